// The real `rsolv serve` binary and SIGTERM: it stops accepting, closes connections that carry no request already
// read (idle, kept alive, or still sending a body), and exits 0 within RSOLV_SHUTDOWN_SECONDS. That a request already
// in a handler still gets its whole answer is pinned in-process by HttpEngine.StopAnswersTheRequestInFlightThenCloses.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.h"
#include "support/raw_connection.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;

unsigned short freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

std::filesystem::path rsolvBinary() {
    std::filesystem::path binary = std::filesystem::read_symlink("/proc/self/exe").parent_path() / "rsolv";
    if (const char* env = std::getenv("RSOLV_BINARY"); env && *env) binary = env;
    if (!std::filesystem::exists(binary)) binary = std::filesystem::path(RSOLV_SOURCE_DIR) / "build" / "rsolv";
    return binary;
}

pid_t spawn(const std::filesystem::path& binary, std::vector<std::string> env, const std::filesystem::path& log) {
    std::vector<std::string> args = {binary.string(), "serve"};
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    const std::string log_path = log.string();
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0) {
            ::dup2(fd, STDOUT_FILENO);
            ::dup2(fd, STDERR_FILENO);
        }
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    return pid;
}

std::string readText(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

class ServeShutdown : public ::testing::TestWithParam<Backend> {};

TEST_P(ServeShutdown, SigtermClosesIdleConnectionsAndExitsCleanly) {
    const auto binary = rsolvBinary();
    ASSERT_TRUE(std::filesystem::exists(binary)) << "no rsolv binary: build it, or set RSOLV_BINARY";
    TestDatabase database(GetParam());
    const auto dir = std::filesystem::temp_directory_path() / ("rsolv-serve-" + crypto::hex(crypto::randomBytes(6)));
    std::filesystem::create_directories(dir);
    const auto log = dir / "serve.log";
    const unsigned short port = freePort();
    const pid_t pid = spawn(binary,
                            {"PATH=/usr/bin:/bin", "RSOLV_DATABASE_URL=" + database.url(),
                             "RSOLV_LISTEN=127.0.0.1:" + std::to_string(port), "RSOLV_PUBLIC_URL=http://rsolv.test",
                             "RSOLV_VAR_DIR=" + dir.string(), "RSOLV_MAIL_URL=file:" + (dir / "mail").string(),
                             "RSOLV_SECRET_KEY=test-secret-key-that-is-long-enough-0123456789", "RSOLV_WORKERS=0",
                             "RSOLV_SHUTDOWN_SECONDS=5"},
                            log);
    ASSERT_GT(pid, 0);
    bool up = false;
    for (int i = 0; i < 600 && !up; ++i) {  // until it answers (start-up migrates the database)
        RawConnection probe(port, 5);
        if (probe.ok() && probe.send("GET /healthz HTTP/1.1\r\nHost: rsolv.test\r\n\r\n"))
            up = statusOf(probe.readResponse()) == 200;
        if (!up) std::this_thread::sleep_for(50ms);
    }
    ASSERT_TRUE(up) << readText(log);

    RawConnection idle(port);
    RawConnection kept(port);
    kept.send("GET /healthz HTTP/1.1\r\nHost: rsolv.test\r\n\r\n");
    EXPECT_EQ(statusOf(kept.readResponse()), 200);
    RawConnection sending(port);  // a body under way is not a request already read
    sending.send("POST /signup HTTP/1.1\r\nHost: rsolv.test\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 "Content-Length: 100\r\n\r\nemail=a");

    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    int status = -1;
    for (int i = 0; i < 600; ++i) {  // at most 30 s; RSOLV_SHUTDOWN_SECONDS is 5
        if (::waitpid(pid, &status, WNOHANG) == pid) break;
        std::this_thread::sleep_for(50ms);
    }
    if (!WIFEXITED(status)) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        FAIL() << "rsolv serve did not exit after SIGTERM; its log:\n" << readText(log);
    }
    EXPECT_EQ(WEXITSTATUS(status), 0) << readText(log);
    for (auto* c : {&idle, &kept, &sending}) {
        bool closed = false;
        c->readUntilClosed(&closed);
        EXPECT_TRUE(closed);
    }
    EXPECT_FALSE(RawConnection(port).ok()) << "still accepting after exit";
    const std::string text = readText(log);
    EXPECT_NE(text.find("open files limit"), std::string::npos) << text;
    EXPECT_NE(text.find("answering the requests already read"), std::string::npos) << text;
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

INSTANTIATE_TEST_SUITE_P(Backends, ServeShutdown, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
