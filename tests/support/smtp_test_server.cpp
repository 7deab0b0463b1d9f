#include "support/smtp_test_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

extern char** environ;

namespace rsolv::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPython = "/usr/bin/python3";  // Debian's, which has python3-aiosmtpd
constexpr auto kStartTimeout = std::chrono::seconds(15);

fs::path scriptPath() { return fs::path(RSOLV_SOURCE_DIR) / "tests" / "support" / "smtp_server.py"; }

fs::path makeTempDir() {
    std::string pattern = (fs::temp_directory_path() / "rsolv-smtp-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
        throw std::runtime_error(std::string("SmtpTestServer: mkdtemp failed: ") + std::strerror(errno));
    return pattern;
}

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

/// Reads the first line the child prints, waiting at most kStartTimeout.
std::string readFirstLine(int fd) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (line.find('\n') == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) throw std::runtime_error("SmtpTestServer: the server did not print its port in time");
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) continue;
        char buf[64];
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error("SmtpTestServer: the server exited before printing its port");
        line.append(buf, static_cast<std::size_t>(n));
    }
    return line.substr(0, line.find('\n'));
}

}  // namespace

SmtpTestServer::SmtpTestServer() : SmtpTestServer(std::string()) {}

SmtpTestServer::SmtpTestServer(std::string user_colon_password)
    : auth_(std::move(user_colon_password)), dir_(makeTempDir()) {
    try {
        start();
    } catch (...) {
        std::error_code ec;
        fs::remove_all(dir_, ec);
        throw;
    }
}

SmtpTestServer::~SmtpTestServer() {
    stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

unsigned short SmtpTestServer::port() const { return port_; }

void SmtpTestServer::start() {
    if (pid_ > 0) return;
    int out_pipe[2];
    int in_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("SmtpTestServer: pipe failed");
    if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        throw std::runtime_error("SmtpTestServer: pipe failed");
    }

    const std::string script = scriptPath().string();
    const std::string port = std::to_string(port_);
    const std::string maildir = (dir_ / "maildir").string();
    const std::string control = (dir_ / "control.json").string();
    std::vector<std::string> args = {kPython, script, "--port", port, "--maildir", maildir, "--control", control,
                                     "--watch-stdin"};
    if (!auth_.empty()) {
        args.push_back("--auth");
        args.push_back(auth_);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, kPython, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    if (rc != 0) {
        ::close(in_pipe[1]);
        ::close(out_pipe[0]);
        throw std::runtime_error(std::string("SmtpTestServer: cannot run ") + kPython + ": " + std::strerror(rc));
    }
    pid_ = pid;
    stdin_fd_ = in_pipe[1];

    try {
        const std::string line = readFirstLine(out_pipe[0]);
        ::close(out_pipe[0]);
        const int value = std::stoi(line);
        if (value <= 0 || value > 65535) throw std::runtime_error("SmtpTestServer: bad port line: " + line);
        port_ = static_cast<unsigned short>(value);
    } catch (...) {
        ::close(out_pipe[0]);
        stop();
        throw;
    }
}

void SmtpTestServer::stop() {
    if (pid_ <= 0) return;
    ::close(stdin_fd_);
    stdin_fd_ = -1;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
}

std::vector<std::string> SmtpTestServer::messages() const {
    std::vector<std::string> out;
    const fs::path maildir = dir_ / "maildir";
    std::istringstream arrivals(readFile(maildir / "arrivals"));
    for (std::string key; std::getline(arrivals, key);) {
        if (key.empty()) continue;
        fs::path path = maildir / "new" / key;
        if (!fs::exists(path)) path = maildir / "cur" / key;
        out.push_back(readFile(path));
    }
    return out;
}

int SmtpTestServer::sessions() const {
    std::istringstream lines(readFile(dir_ / "maildir" / "sessions"));
    int n = 0;
    for (std::string line; std::getline(lines, line);) n += !line.empty();
    return n;
}

void SmtpTestServer::queueReplies(const char* key, int n, const std::string& reply) {
    const fs::path control = dir_ / "control.json";
    nlohmann::json state = nlohmann::json::object();
    if (fs::exists(control)) {
        const std::string text = readFile(control);
        if (!text.empty()) state = nlohmann::json::parse(text);
    }
    auto& list = state[key];
    if (!list.is_array()) list = nlohmann::json::array();
    for (int i = 0; i < n; ++i) list.push_back(reply);
    const fs::path temp = dir_ / "control.json.tmp-test";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << state.dump();
    }
    fs::rename(temp, control);
}

void SmtpTestServer::failNext(int n, std::string reply) { queueReplies("rcpt", n, reply); }

void SmtpTestServer::failNextData(int n, std::string reply) { queueReplies("data", n, reply); }

void SmtpTestServer::rejectRecipient(std::string address) { queueReplies("reject_rcpt_permanent", 1, address); }

}  // namespace rsolv::test
