// Delivery when the mail server misbehaves, on both backends: signups never wait for SMTP; transient failures are
// retried with backoff and each email still arrives exactly once; a permanent refusal is not retried; a worker
// process killed in the middle of a send is rescued once its lease expires.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "domain/onboarding.h"
#include "jobs/email_test_support.h"
#include "jobs/job_rows.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;

class EmailDelivery : public ::testing::TestWithParam<Backend> {
protected:
    SmtpTestServer smtp_;
    TestApp app_{GetParam(), viaSmtp(smtp_)};

    int drain() { return app_.app().worker().drain(); }

    storage::CustomerRecord signUp(const std::string& email, const std::string& name) {
        HttpClient browser(app_.port(), app_.publicUrl());
        const auto res = browser.signup(email, name);
        EXPECT_EQ(res.status, 303) << res.body;
        return customerByEmail(app_, email);
    }

    JobRow welcomeJob(std::int64_t customer_id) {
        auto job = jobByUniqueKey(app_.db(), domain::emailJobKey(domain::email_kind::kWelcome, customer_id));
        if (!job) throw std::runtime_error("no welcome job for customer " + std::to_string(customer_id));
        return *job;
    }
};

TEST_P(EmailDelivery, SignupsSucceedWhileSmtpIsDownAndEachWelcomeEmailArrivesOnceWhenItIsBack) {
    smtp_.stop();
    std::vector<storage::CustomerRecord> customers;
    for (int i = 0; i < 3; ++i) {
        const auto started = std::chrono::steady_clock::now();
        customers.push_back(signUp("down" + std::to_string(i) + "@example.com", "Down Person"));
        EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << "a signup never waits for the mail server";
    }
    EXPECT_EQ(app_.count("customers"), 3);

    // Issue 10 changed this: the mail server's outage is not the emails' fault. The breaker holds them, and they
    // spend no attempt (it used to be one attempt each, and a retry with backoff).
    drain();
    EXPECT_TRUE(smtp_.messages().empty());
    for (const auto& c : customers) {
        SCOPED_TRACE("customer " + std::to_string(c.id));
        const auto job = welcomeJob(c.id);
        EXPECT_EQ(job.state, "available");
        EXPECT_EQ(job.attempts, 0);
        ASSERT_TRUE(job.last_error);
        EXPECT_NE(job.last_error->find("connect"), std::string::npos) << *job.last_error;
        EXPECT_EQ(statusesOf(eventsOf(app_, c.id, "welcome_email")), (std::vector<std::string>{"queued"}));
    }

    smtp_.start();
    app_.clock().advance(2h);
    app_.ticks().advance(2h);  // the breaker's next probe is due and finds the server
    EXPECT_EQ(drain(), 3);
    auto mails = receivedEmails(smtp_);
    EXPECT_EQ(mails.size(), 3u);
    for (const auto& c : customers) {
        SCOPED_TRACE("customer " + std::to_string(c.id));
        EXPECT_EQ(countWithMessageId(mails, welcomeMessageId(c.id)), 1);
        const auto job = welcomeJob(c.id);
        EXPECT_EQ(job.state, "completed");
        EXPECT_EQ(job.attempts, 1);
        EXPECT_EQ(statusesOf(eventsOf(app_, c.id, "welcome_email")), (std::vector<std::string>{"queued", "sent"}));
    }

    app_.clock().advance(2h);
    EXPECT_EQ(drain(), 0);
    mails = receivedEmails(smtp_);
    EXPECT_EQ(mails.size(), 3u);
    for (const auto& c : customers) EXPECT_EQ(countWithMessageId(mails, welcomeMessageId(c.id)), 1);
}

TEST_P(EmailDelivery, RetriesOnTransientFailuresAndDeliversOnTheThirdTry) {
    smtp_.failNext(2, "451 4.3.0 Try again later");
    const auto customer = signUp("tess@example.com", "Tess Ting");

    EXPECT_EQ(drain(), 1);
    auto job = welcomeJob(customer.id);
    EXPECT_EQ(job.state, "retryable");
    ASSERT_TRUE(job.last_error);
    EXPECT_NE(job.last_error->find("451"), std::string::npos) << *job.last_error;
    EXPECT_EQ(drain(), 0) << "not before its backoff";

    app_.clock().advance(1h);
    EXPECT_EQ(drain(), 1);
    job = welcomeJob(customer.id);
    EXPECT_EQ(job.state, "retryable");
    EXPECT_EQ(job.attempts, 2);
    EXPECT_TRUE(smtp_.messages().empty());

    app_.clock().advance(1h);
    EXPECT_EQ(drain(), 1);
    job = welcomeJob(customer.id);
    EXPECT_EQ(job.state, "completed");
    EXPECT_EQ(job.attempts, 3);
    EXPECT_FALSE(job.last_error);
    const auto mails = receivedEmails(smtp_);
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_EQ(mails[0].messageId(), welcomeMessageId(customer.id));
    const auto events = eventsOf(app_, customer.id, "welcome_email");
    EXPECT_EQ(statusesOf(events), (std::vector<std::string>{"queued", "retrying", "retrying", "sent"}));
    EXPECT_EQ(detailsOf(events, "sent").value("attempt", 0), 3);
}

TEST_P(EmailDelivery, PermanentRecipientFailureIsNotRetried) {
    smtp_.rejectRecipient("nobody@example.com");
    const auto customer = signUp("nobody@example.com", "No Body");
    EXPECT_FALSE(customer.email_undeliverable_at);

    EXPECT_EQ(drain(), 1);
    const auto job = welcomeJob(customer.id);
    EXPECT_EQ(job.state, "dead") << "a 550 is final: no retry";
    EXPECT_EQ(job.attempts, 1);
    ASSERT_TRUE(job.last_error);
    EXPECT_NE(job.last_error->find("550"), std::string::npos) << *job.last_error;
    EXPECT_TRUE(job.finished_at);
    EXPECT_TRUE(smtp_.messages().empty());
    const auto after = customerById(app_, customer.id);
    ASSERT_TRUE(after.email_undeliverable_at);
    EXPECT_EQ(*after.email_undeliverable_at, app_.clock().now());
    const auto events = eventsOf(app_, customer.id, "welcome_email");
    EXPECT_EQ(statusesOf(events), (std::vector<std::string>{"failed", "queued"}));
    EXPECT_NE(detailsOf(events, "failed").value("error", "").find("550"), std::string::npos) << detailsOf(events, "failed");

    app_.clock().advance(2h);
    EXPECT_EQ(drain(), 0) << "nothing to retry";

    // Later emails to that address are not attempted at all.
    app_.clock().advance(24h);
    EXPECT_EQ(drain(), 1);
    const auto follow_up = eventsOf(app_, customer.id, "onboarding_24h_email");
    ASSERT_EQ(follow_up.size(), 1u);
    EXPECT_EQ(follow_up[0].status, "skipped");
    EXPECT_EQ(follow_up[0].details.value("reason", ""), "address_undeliverable");
    EXPECT_TRUE(smtp_.messages().empty());
}

/// A TCP port that accepts connections (the kernel completes them) but never says a word: an SMTP client that
/// connects there waits for the greeting until its timeout.
class SilentPort {
public:
    SilentPort() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 8) != 0)
            throw std::runtime_error("SilentPort: cannot listen");
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    }
    ~SilentPort() { ::close(fd_); }
    unsigned short port() const { return port_; }
    /// True when a client has connected (a connection waits in the accept queue).
    bool connected(std::chrono::milliseconds timeout) const {
        pollfd p{fd_, POLLIN, 0};
        return ::poll(&p, 1, int(timeout.count())) == 1;
    }

private:
    int fd_ = -1;
    unsigned short port_ = 0;
};

/// `rsolv worker` as a child process, SIGKILLed at the latest when this object (or the test process) goes away.
class WorkerProcess {
public:
    WorkerProcess(const std::filesystem::path& binary, const std::vector<std::string>& env,
                  const std::filesystem::path& log) {
        std::vector<std::string> args = {binary.string(), "worker"};
        std::vector<char*> argv, envp;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        std::vector<std::string> env_copy = env;
        for (auto& e : env_copy) envp.push_back(e.data());
        envp.push_back(nullptr);
        const std::string log_path = log.string();
        const pid_t parent = ::getpid();
        pid_ = ::fork();
        if (pid_ == 0) {
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
        if (pid_ < 0) throw std::runtime_error("fork failed");
    }
    ~WorkerProcess() { kill(); }
    pid_t pid() const { return pid_; }
    void kill() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }
    bool alive() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

private:
    pid_t pid_ = -1;
};

std::string readText(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

TEST_P(EmailDelivery, WorkerProcessKilledInTheMiddleOfASendIsRescuedAndTheEmailArrivesOnce) {
    // The service binary: RSOLV_BINARY, else next to the test binary, else in the source tree's build/.
    std::filesystem::path binary = std::filesystem::read_symlink("/proc/self/exe").parent_path() / "rsolv";
    if (const char* env = std::getenv("RSOLV_BINARY"); env && *env) binary = env;
    if (!std::filesystem::exists(binary)) binary = std::filesystem::path(RSOLV_SOURCE_DIR) / "build" / "rsolv";
    ASSERT_TRUE(std::filesystem::exists(binary)) << "no rsolv binary at " << binary << " (build the rsolv target or set RSOLV_BINARY)";
    SilentPort silent;
    // The child reads the real clock: bring the test clock to it so the welcome job is due for the child.
    app_.clock().set(SystemClock().now());
    const auto customer = signUp("kill@example.com", "Kay Ill");
    const auto log = std::filesystem::temp_directory_path() / ("rsolv-worker-" + std::to_string(::getpid()) + "-" +
                                                               std::to_string(customer.id) + ".log");
    const auto var_dir = std::filesystem::temp_directory_path() / ("rsolv-worker-var-" + std::to_string(::getpid()));
    std::filesystem::create_directories(var_dir);
    const std::vector<std::string> env = {
        "PATH=/usr/bin:/bin",
        "RSOLV_DATABASE_URL=" + app_.config().database_url,
        "RSOLV_MAIL_URL=smtp://127.0.0.1:" + std::to_string(silent.port()),
        "RSOLV_SMTP_TIMEOUT_SECONDS=60",
        "RSOLV_JOB_LEASE_SECONDS=5",
        "RSOLV_SECRET_KEY=" + app_.config().secret_key,
        "RSOLV_PUBLIC_URL=" + app_.publicUrl(),
        "RSOLV_VAR_DIR=" + var_dir.string(),
        "RSOLV_WORKERS=1",
        "RSOLV_LOG_LEVEL=info",
    };
    WorkerProcess child(binary, env, log);

    // Wait until the child has claimed the welcome job and is stuck talking to the silent "mail server".
    std::optional<JobRow> running;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto job = welcomeJob(customer.id);
        if (job.state == "running") {
            running = job;
            break;
        }
        if (!child.alive()) break;
        std::this_thread::sleep_for(50ms);
    }
    ASSERT_TRUE(running) << "the worker process never claimed the job; its log:\n" << readText(log);
    EXPECT_TRUE(running->lease_owner && running->lease_owner->ends_with(":" + std::to_string(child.pid())))
        << running->lease_owner.value_or("(none)");
    EXPECT_TRUE(silent.connected(5s)) << "the worker is in the middle of the send";
    child.kill();

    // Its lease still holds: nobody else touches the job yet.
    EXPECT_EQ(welcomeJob(customer.id).state, "running");
    EXPECT_EQ(drain(), 0);
    EXPECT_TRUE(smtp_.messages().empty());

    // After the lease (5 s) has run out, the in-process worker rescues it and sends the email once.
    app_.clock().set(SystemClock().now() + 10s);
    EXPECT_EQ(drain(), 1);
    const auto mails = receivedEmails(smtp_);
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_EQ(mails[0].messageId(), welcomeMessageId(customer.id));
    const auto job = welcomeJob(customer.id);
    EXPECT_EQ(job.state, "completed");
    EXPECT_EQ(job.attempts, 2);
    EXPECT_EQ(statusesOf(eventsOf(app_, customer.id, "welcome_email")), (std::vector<std::string>{"queued", "sent"}));
    app_.clock().advance(2h);
    EXPECT_EQ(drain(), 0);
    EXPECT_EQ(smtp_.messages().size(), 1u);

    std::error_code ec;
    std::filesystem::remove(log, ec);
    std::filesystem::remove_all(var_dir, ec);
}

INSTANTIATE_TEST_SUITE_P(Backends, EmailDelivery, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
