// Job queue and email throughput/latency bench (plain main, no Google Benchmark registration).
//
//   jobs_bench empty   --db URL [--n N] [--batches 10,1,50] [--n-other N] [--threads 4] [--poll-ms 5]
//   jobs_bench email   --db URL --smtp-port P [--n N] [--raw N] [--raw-gap-us U] [--breakdown M]
//   jobs_bench latency --db URL --smtp-port P --accept-log FILE [--n 100] [--http-threads 128] [--wake-variant 1]
//                      [--label TEXT]
//   jobs_bench stop    --db URL [--trials 3]
//   jobs_bench drain   --db URL --smtp-port P --accept-log FILE --smtp-cmd CMD [--n 2000] [--outage-s 20]
//                      [--workers 4] [--senders 4]
//
// empty:   enqueues N jobs of a kind whose handler does nothing, runs a jobs::Worker (4 threads, batch B, short poll)
//          and times until every one has completed; once per batch size.
// email:   N signups through Provisioning::provisionFromSignup (distinct emails and client IPs), then the App's own
//          worker (RSOLV_WORKERS=4, its default batch and poll) drains the welcome emails over SMTP to a discarding
//          server; emails/s. `--raw M` first times M bare SmtpMailer sends (4 threads) for the SMTP share of the cost.
//          `--raw-gap-us U` pauses each raw thread U us between sends (the server idles between messages, as it
//          does when the handler's DB work sits between sends). Then `--breakdown M` (default N/2) more signups are drained by the same EmailJobHandler/JobQueue/Worker
//          settings built over counting wrappers, to split each email's thread time into DB, SMTP and the rest.
// latency: the App with HTTP and workers; `--n` threads each GET /signup (cookie + csrf token), meet at a latch, then
//          POST /signup; the SMTP server appends "<epoch_ns> <rcpt>" to FILE on each DATA. Latency = accepted - POST start.
//          Then a second burst where the bench calls Worker::wake() as each POST returns (the effect of a wake on enqueue).
// stop:    how long Worker::stop() takes while jobs are running (the SIGTERM path).
// drain:   the App's workers run while nothing listens on the SMTP port; N signups queue N welcome emails; after the
//          outage CMD starts the recorder on that port (the server's return) and the bench times until every email
//          has arrived, and counts duplicates in the recorder's log (issue 10: 2,000 within 30 s, each once).
// `--smtp-pid PID` (email, latency) adds the SMTP server to the CPU breakdown.
//
// Every result also goes to a "SUMMARY|..." line that bench/jobs-bench.sh collects. bench/jobs-bench.sh runs it all.

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <latch>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/app.h"
#include "app/config.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "domain/onboarding.h"
#include "domain/provisioning.h"
#include "jobs/job_queue.h"
#include "jobs/worker.h"
#include "mail/mail_settings.h"
#include "mail/mailer.h"
#include "storage/database.h"
#include "storage/migrations.h"

extern char** environ;

namespace {

using namespace rsolv;
using SteadyClock = std::chrono::steady_clock;

// Statement caches key on the address of the text: every query is a constant with static storage.
constexpr storage::Query kCountKindState{"SELECT COUNT(*) AS n FROM jobs WHERE kind = $1 AND state = $2"};
constexpr storage::Query kCountKindNotCompleted{
    "SELECT COUNT(*) AS n FROM jobs WHERE kind = $1 AND state <> 'completed'"};
constexpr storage::Query kDeleteKind{"DELETE FROM jobs WHERE kind = $1"};
constexpr storage::Query kJobErrors{
    "SELECT state, COUNT(*) AS n, MAX(last_error) AS err FROM jobs WHERE kind = $1 GROUP BY state ORDER BY state"};

constexpr const char* kNoopKind = "bench.noop";
const std::string kWelcomeKind{domain::email_kind::kWelcome};

// ---------------------------------------------------------------------------------------------------------------
// small helpers

struct Args {
    std::map<std::string, std::string> kv;
    std::string get(const std::string& k, const std::string& dflt = "") const {
        auto it = kv.find(k);
        return it == kv.end() ? dflt : it->second;
    }
    long num(const std::string& k, long dflt) const {
        auto it = kv.find(k);
        return it == kv.end() ? dflt : std::stol(it->second);
    }
};

double secondsSince(SteadyClock::time_point t0) {
    return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

std::int64_t epochNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const double rank = p / 100.0 * double(v.size() - 1);
    const size_t lo = size_t(rank);
    const size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (rank - double(lo));
}

/// CPU seconds (user + system) of /proc/<pid>/stat.
double procCpu(const std::string& pid) {
    std::ifstream in("/proc/" + pid + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {  // fields 14 and 15 are utime and stime
        if (i == 14) utime = std::stoll(field);
        if (i == 15) stime = std::stoll(field);
    }
    return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

/// Who used the CPU: this process, the PostgreSQL backends of the bench database, the SMTP server, the whole machine.
struct CpuWatch {
    std::string pg_db;      ///< backends whose command line names this database
    std::string smtp_pid;   ///< the SMTP server's pid, if known
    struct Sample {
        double self = 0, smtp = 0;
        std::map<std::string, double> pg;
        long long busy = 0, total = 0;
    };
    Sample take() const {
        Sample s;
        rusage ru{};
        getrusage(RUSAGE_SELF, &ru);
        s.self = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
        if (!smtp_pid.empty()) s.smtp = procCpu(smtp_pid);
        if (!pg_db.empty()) {
            std::error_code ec;
            for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
                const std::string pid = e.path().filename();
                if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
                std::ifstream in(e.path() / "cmdline");
                std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
                if (cmd.rfind("postgres: ", 0) == 0 && cmd.find(" " + pg_db + " ") != std::string::npos)
                    s.pg[pid] = procCpu(pid);
            }
        }
        std::ifstream in("/proc/stat");
        std::string cpu;
        long long v[10] = {};
        in >> cpu;
        for (auto& x : v) in >> x;
        for (auto x : v) s.total += x;
        s.busy = s.total - v[3] - v[4];  // minus idle and iowait
        return s;
    }
    std::string report(const Sample& a, const Sample& b, double wall) const {
        const long cores = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
        const auto pct = [&](double sec) { return wall > 0 ? 100.0 * sec / wall : 0.0; };
        const double machine =
            b.total > a.total ? 100.0 * double(b.busy - a.busy) / double(b.total - a.total) * double(cores) : 0;
        double pg = 0;
        for (const auto& [pid, sec] : b.pg) {
            auto it = a.pg.find(pid);
            pg += sec - (it == a.pg.end() ? 0.0 : it->second);
        }
        const double self = pct(b.self - a.self), smtp = pct(b.smtp - a.smtp), pgp = pct(pg);
        char buf[300];
        std::snprintf(buf, sizeof buf,
                      "CPU over the run (%ld cores = %ld%%): bench/rsolv %.0f%%, postgres backends %s, SMTP server %s, "
                      "everything else %.0f%% (machine %.0f%%)",
                      cores, cores * 100, self, pg_db.empty() ? "-" : (std::to_string(int(pgp + 0.5)) + "%").c_str(),
                      smtp_pid.empty() ? "-" : (std::to_string(int(smtp + 0.5)) + "%").c_str(),
                      std::max(0.0, machine - self - smtp - pgp), machine);
        return buf;
    }
};

std::string pgDatabaseName(const std::string& url) {
    if (url.rfind("sqlite:", 0) == 0) return "";
    const auto q = url.find('?');
    const std::string base = url.substr(0, q);
    const auto slash = base.rfind('/');
    return slash == std::string::npos ? "" : base.substr(slash + 1);
}

std::int64_t countQuery(storage::Database& db, const storage::Query& q, const storage::Params& p) {
    return storage::inTransaction(db, storage::TxMode::Read,
                                  [&](storage::Transaction& tx) { return tx.exec(q, p).front().i64("n"); });
}

void printJobStates(storage::Database& db, const std::string& kind) {
    storage::inTransaction(db, storage::TxMode::Read, [&](storage::Transaction& tx) {
        const auto rs = tx.exec(kJobErrors, {kind});
        for (size_t i = 0; i < rs.size(); ++i)
            std::printf("    jobs of kind %s in state %-10s %6lld%s%s\n", kind.c_str(), rs[i].str("state").c_str(),
                        (long long)rs[i].i64("n"), rs[i].isNull("err") ? "" : "  last error: ",
                        rs[i].opt("err").value_or("").c_str());
    });
}

std::string backendOf(const std::string& url) { return url.rfind("sqlite:", 0) == 0 ? "sqlite" : "postgres"; }

std::filesystem::path makeTempDir(const std::string& prefix) {
    auto p = std::filesystem::temp_directory_path() / (prefix + crypto::hex(crypto::randomBytes(6)));
    std::filesystem::create_directories(p);
    return p;
}

app::Config baseConfig(const std::string& db_url, const std::filesystem::path& var_dir, int smtp_port) {
    app::Config c;
    c.database_url = db_url;
    c.db_pool_size = 16;
    c.listen_host = "127.0.0.1";
    c.listen_port = 0;
    c.public_url = "http://rsolv.bench";
    c.var_dir = var_dir.string();
    c.secret_key = "bench-secret-key-that-is-long-enough-0123456789abcdef";
    c.mail_url = "smtp://127.0.0.1:" + std::to_string(smtp_port);
    c.mail_from = "RSOLV <no-reply@rsolv.bench>";
    c.support_email = "support@rsolv.bench";
    c.mail_reply_to = c.support_email;
    c.signups_per_ip_per_hour = 1000000;
    c.signups_per_email_per_day = 1000000;
    c.workers = 4;
    c.http_threads = 64;
    c.smtp_timeout_seconds = 10;
    c.log_level = "warn";
    // The bot defences of the signup form (issue 9) judge people, not a bench that posts the moment it has the form:
    // the timing check and the proof-of-work challenge are off, as for any load test (README); the honeypot stays.
    c.form_min_fill_seconds = 0;
    c.signup_challenge = "off";
    return c;
}

// ---------------------------------------------------------------------------------------------------------------
// 1. empty jobs

class NoopHandler final : public jobs::JobHandler {
public:
    explicit NoopHandler(std::int64_t target) : target_(target) {}
    jobs::JobOutcome run(const jobs::Job&, jobs::JobLease&) override {
        if (++done_ >= target_) {
            std::lock_guard lock(mutex_);
            cv_.notify_all();
        }
        return jobs::JobOutcome::done();
    }
    bool waitAll(std::chrono::seconds timeout) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [&] { return done_.load() >= target_; });
    }
    std::int64_t done() const { return done_; }

private:
    std::int64_t target_;
    std::atomic<std::int64_t> done_{0};
    std::mutex mutex_;
    std::condition_variable cv_;
};

int runEmpty(const Args& args) {
    const std::string url = args.get("db");
    const std::string backend = backendOf(url);
    const long n_main = args.num("n", backend == "sqlite" ? 5000 : 20000);
    const long n_other = args.num("n-other", n_main / 4);
    const int threads = int(args.num("threads", 4));
    const int poll_ms = int(args.num("poll-ms", 5));
    std::vector<int> batches;
    {
        std::stringstream ss(args.get("batches", "10,1,50"));
        for (std::string b; std::getline(ss, b, ',');) batches.push_back(std::stoi(b));
    }

    auto db = storage::openDatabase({url, 8, 10000});
    storage::migrate(*db);
    SystemClock clock;
    const CpuWatch watch{pgDatabaseName(url), ""};
    std::printf("== empty jobs on %s (%s): %d worker threads, poll %d ms\n", backend.c_str(), db->describe().c_str(),
                threads, poll_ms);

    for (size_t bi = 0; bi < batches.size(); ++bi) {
        const int batch = batches[bi];
        const long n = bi == 0 ? n_main : n_other;
        storage::inTransaction(*db, storage::TxMode::Write,
                               [&](storage::Transaction& tx) { tx.exec(kDeleteKind, {std::string(kNoopKind)}); });

        // Enqueue in chunks of 500 per transaction (the service enqueues one per business transaction).
        const auto e0 = SteadyClock::now();
        for (long done = 0; done < n;) {
            const long chunk = std::min(500L, n - done);
            storage::inTransaction(*db, storage::TxMode::Write, [&](storage::Transaction& tx) {
                const Timestamp now = clock.now();
                for (long i = 0; i < chunk; ++i) jobs::enqueue(tx, {kNoopKind, {{"i", done + i}}, std::nullopt, now}, now);
            });
            done += chunk;
        }
        const double enqueue_s = secondsSince(e0);

        NoopHandler handler(n);
        jobs::JobQueue queue(*db, clock, "bench:" + std::to_string(getpid()), std::chrono::seconds(60));
        jobs::WorkerOptions options;
        options.threads = threads;
        options.batch = batch;
        options.poll_interval = std::chrono::milliseconds(poll_ms);
        jobs::Worker worker(queue, options);
        worker.addHandler(kNoopKind, handler);

        const auto cpu0 = watch.take();
        const auto t0 = SteadyClock::now();
        worker.start();
        const bool all = handler.waitAll(std::chrono::seconds(120));
        // The handler has run the last job; its complete() commits just after. The clock stops when the database
        // says every job is completed, not at Worker::stop(), which can take up to the heartbeat interval (see notes).
        std::int64_t completed = 0;
        while (all && secondsSince(t0) < 130) {
            completed = countQuery(*db, kCountKindState, {std::string(kNoopKind), std::string("completed")});
            if (completed >= n) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        const double run_s = secondsSince(t0);
        const auto cpu1 = watch.take();
        const auto s0 = SteadyClock::now();
        worker.stop(std::chrono::seconds(10));
        const double stop_s = secondsSince(s0);
        completed = countQuery(*db, kCountKindState, {std::string(kNoopKind), std::string("completed")});
        const double rate = double(completed) / run_s;
        std::printf("  batch %2d: enqueued %ld in %.2f s (%.0f/s, 500 per tx); ran %lld, completed %lld of %ld in %.2f s"
                    " -> %.0f jobs/s%s\n",
                    batch, n, enqueue_s, double(n) / enqueue_s, (long long)handler.done(), (long long)completed, n,
                    run_s, rate, all ? "" : "  (TIMED OUT)");
        std::printf("            %s; %.2f write tx per job (claim 1/%d + complete 1); Worker::stop() took %.2f s\n",
                    watch.report(cpu0, cpu1, run_s).c_str(), 1.0 + 1.0 / batch, batch, stop_s);
        if (completed != n) printJobStates(*db, kNoopKind);
        std::printf("SUMMARY|%s|empty jobs/s, batch %d|%.0f\n", backend.c_str(), batch, rate);
        std::fflush(stdout);
    }
    return 0;
}

// ---------------------------------------------------------------------------------------------------------------
// instrumentation for the email breakdown: a Database and a Mailer that count and time what passes through them

struct DbStats {
    std::atomic<long> tx{0}, statements{0};
    std::atomic<long long> begin_ns{0};  ///< pool wait + BEGIN (SQLite: waiting for the write lock)
    std::atomic<long long> tx_ns{0};     ///< from begin() until the transaction object is gone (commit included)
};

long long nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch()).count();
}

class TimedTransaction final : public storage::Transaction {
public:
    TimedTransaction(std::unique_ptr<storage::Transaction> inner, DbStats& stats, long long t0)
        : inner_(std::move(inner)), stats_(stats), t0_(t0) {}
    ~TimedTransaction() override {
        inner_.reset();
        stats_.tx_ns += nowNs() - t0_;
        ++stats_.tx;
    }
    storage::ResultSet exec(const storage::Query& q, const storage::Params& p) override {
        ++stats_.statements;
        return inner_->exec(q, p);
    }
    void execScript(std::string_view sql) override { inner_->execScript(sql); }
    void lockKey(std::string_view key) override {
        ++stats_.statements;
        inner_->lockKey(key);
    }
    void commit() override { inner_->commit(); }
    storage::Dialect dialect() const override { return inner_->dialect(); }

private:
    std::unique_ptr<storage::Transaction> inner_;
    DbStats& stats_;
    long long t0_;
};

class TimedDatabase final : public storage::Database {
public:
    explicit TimedDatabase(storage::Database& inner) : inner_(inner) {}
    storage::Dialect dialect() const override { return inner_.dialect(); }
    std::unique_ptr<storage::Transaction> begin(storage::TxMode mode) override {
        const long long t0 = nowNs();
        auto tx = inner_.begin(mode);
        stats.begin_ns += nowNs() - t0;
        return std::make_unique<TimedTransaction>(std::move(tx), stats, t0);
    }
    std::string describe() const override { return inner_.describe(); }
    DbStats stats;

private:
    storage::Database& inner_;
};

class TimedMailer final : public mail::Mailer {
public:
    explicit TimedMailer(std::unique_ptr<mail::Mailer> inner) : inner_(std::move(inner)) {}
    std::vector<mail::SendResult> send(const std::vector<mail::EmailMessage>& batch) override {
        const long long t0 = nowNs();
        auto r = inner_->send(batch);
        ns += nowNs() - t0;
        ++sends;
        return r;
    }
    std::string describe() const override { return inner_->describe(); }
    std::atomic<long> sends{0};
    std::atomic<long long> ns{0};

private:
    std::unique_ptr<mail::Mailer> inner_;
};

class TimedHandler final : public jobs::JobHandler {
public:
    explicit TimedHandler(jobs::JobHandler& inner) : inner_(inner) {}
    jobs::JobOutcome run(const jobs::Job& job, jobs::JobLease& lease) override {
        const long long t0 = nowNs();
        auto r = inner_.run(job, lease);
        ns += nowNs() - t0;
        ++runs;
        return r;
    }
    std::atomic<long> runs{0};
    std::atomic<long long> ns{0};

private:
    jobs::JobHandler& inner_;
};

// ---------------------------------------------------------------------------------------------------------------
// 2. real welcome emails

int runEmail(const Args& args) {
    const std::string url = args.get("db");
    const std::string backend = backendOf(url);
    const long n = args.num("n", backend == "sqlite" ? 1000 : 2000);
    const long raw = args.num("raw", 1000);
    const int smtp_port = int(args.num("smtp-port", 0));
    const auto var_dir = makeTempDir("rsolv-jobs-bench-");
    auto config = baseConfig(url, var_dir, smtp_port);
    SystemClock clock;
    std::printf("== welcome emails on %s, SMTP sink 127.0.0.1:%d, App worker: %d threads (batch 10, poll 250 ms)\n",
                backend.c_str(), smtp_port, config.workers);

    // The SMTP share: bare SmtpMailer sends, one message per connection like the email job, from 4 threads.
    if (raw > 0) {
        auto mailer = mail::makeMailer(app::mailSettings(config));
        for (const int per_conn : {1, 10}) {
            std::atomic<long> next{0}, sent{0};
            std::atomic<long long> send_ns{0};
            const long gap_us = args.num("raw-gap-us", 0);
            const auto t0 = SteadyClock::now();
            std::vector<std::thread> ts;
            for (int t = 0; t < 4; ++t)
                ts.emplace_back([&] {
                    for (long i; (i = next.fetch_add(per_conn)) < raw;) {
                        std::vector<mail::EmailMessage> batch;
                        for (int k = 0; k < per_conn && i + k < raw; ++k) {
                            mail::EmailMessage m;
                            m.to_address = "raw-" + std::to_string(i + k) + "@example.com";
                            m.to_name = "Raw Bench";
                            m.subject = "Welcome to RSOLV, Raw Bench: your API key is ready";
                            m.text_body = std::string(1500, 'x') + "\r\n";
                            m.html_body = "<p>" + std::string(4000, 'y') + "</p>";
                            m.message_id = "<raw-" + std::to_string(i + k) + "@rsolv.bench>";
                            batch.push_back(std::move(m));
                        }
                        const long long a = nowNs();
                        for (const auto& r : mailer->send(batch))
                            if (r.kind == mail::SendResult::Kind::Sent) ++sent;
                        send_ns += nowNs() - a;
                        if (gap_us) std::this_thread::sleep_for(std::chrono::microseconds(gap_us));
                    }
                });
            for (auto& t : ts) t.join();
            const double s = secondsSince(t0);
            std::printf("  raw SmtpMailer, 4 threads, %2d message(s) per connection: %ld of %ld sent in %.2f s -> %.0f "
                        "emails/s\n",
                        per_conn, sent.load(), raw, s, double(sent) / s);
            std::printf("    avg send() %.2f ms per call, gap %ld us\n", double(send_ns) / 1e6 / double(raw / per_conn), gap_us);
            std::printf("SUMMARY|%s|raw SMTP sends/s, %d msg/conn|%.0f\n", backend.c_str(), per_conn, double(sent) / s);
        }
    }

    app::App app(config, clock);
    // Provision from 4 threads (timed for information only; the HTTP layer is not involved).
    {
        std::atomic<long> next{0}, ok{0};
        const std::string run = crypto::hex(crypto::randomBytes(3));
        const auto t0 = SteadyClock::now();
        std::vector<std::thread> ts;
        for (int t = 0; t < 4; ++t)
            ts.emplace_back([&] {
                for (long i; (i = next++) < n;) {
                    domain::SignupRequest r;
                    r.email = "mail-" + run + "-" + std::to_string(i) + "@example.com";
                    r.name = "Bench User " + std::to_string(i);
                    r.company = "Bench Co";
                    r.client_ip = "10.1." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256);
                    r.user_agent = "jobs_bench";
                    try {
                        if (app.provisioning().provisionFromSignup(r).status == domain::SignupOutcome::Status::Provisioned)
                            ++ok;
                    } catch (const std::exception& e) {
                        std::fprintf(stderr, "signup %ld failed: %s\n", i, e.what());
                    }
                }
            });
        for (auto& t : ts) t.join();
        const double s = secondsSince(t0);
        std::printf("  provisioned %ld of %ld signups in %.2f s (%.0f/s, 4 threads, direct calls)\n", ok.load(), n, s,
                    double(ok) / s);
    }
    const auto queued = countQuery(app.database(), kCountKindState, {kWelcomeKind, std::string("available")});

    const CpuWatch watch{pgDatabaseName(url), args.get("smtp-pid")};
    const auto cpu0 = watch.take();
    const auto t0 = SteadyClock::now();
    app.startWorkers();
    std::int64_t completed = 0;
    while (secondsSince(t0) < 120) {
        completed = countQuery(app.database(), kCountKindState, {kWelcomeKind, std::string("completed")});
        if (completed >= queued) break;
        if (countQuery(app.database(), kCountKindNotCompleted, {kWelcomeKind}) == 0) break;  // some died: stop waiting
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const double s = secondsSince(t0);
    const auto cpu1 = watch.take();
    const auto s0 = SteadyClock::now();
    app.stopWorkers(std::chrono::seconds(10));
    const double stop_s = secondsSince(s0);
    std::printf("  drained %lld of %lld welcome emails in %.2f s -> %.0f emails/s (completion polled every 20 ms); "
                "App::stopWorkers() took %.2f s\n",
                (long long)completed, (long long)queued, s, double(completed) / s, stop_s);
    std::printf("            %s\n", watch.report(cpu0, cpu1, s).c_str());
    if (completed != queued) printJobStates(app.database(), kWelcomeKind);
    std::printf("SUMMARY|%s|welcome emails/s|%.0f\n", backend.c_str(), double(completed) / s);
    bool ok = completed == queued;

    // Breakdown: the same handler, queue and worker settings as the App, built here over counting wrappers.
    const long m = args.num("breakdown", n / 2);
    if (m > 0) {
        const std::string run = crypto::hex(crypto::randomBytes(3));
        for (long i = 0; i < m; ++i) {
            domain::SignupRequest r;
            r.email = "split-" + run + "-" + std::to_string(i) + "@example.com";
            r.name = "Bench User " + std::to_string(i);
            r.company = "Bench Co";
            r.client_ip = "10.2." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256);
            app.provisioning().provisionFromSignup(r);
        }
        const auto due = countQuery(app.database(), kCountKindState, {kWelcomeKind, std::string("available")});
        TimedDatabase handler_db(app.database()), queue_db(app.database());
        TimedMailer mailer(mail::makeMailer(app::mailSettings(config)));
        jobs::EmailJobSettings es;
        es.public_url = config.public_url;
        es.host = config.publicHost();
        es.support_email = config.support_email;
        es.payload_key = app.secretKey().subkey("job-payload-encryption");
        es.unsubscribe_key = app.secretKey().subkey("unsubscribe-links");
        es.not_me_key = app.secretKey().subkey("not-me-links");  // the welcome email's "this wasn't me" link
        es.login_link_ttl = std::chrono::minutes(config.sign_in_link_minutes);
        jobs::EmailJobHandler email(handler_db, clock, mailer, es);
        TimedHandler timed(email);
        jobs::JobQueue queue(queue_db, clock, "bench-breakdown", std::chrono::seconds(60));
        jobs::WorkerOptions wo;
        wo.threads = config.workers;
        jobs::Worker worker(queue, wo);
        worker.addHandler(kWelcomeKind, timed);
        const auto b0 = SteadyClock::now();
        worker.start();
        std::int64_t done = 0;
        while (secondsSince(b0) < 120) {
            done = countQuery(app.database(), kCountKindState, {kWelcomeKind, std::string("completed")}) - completed;
            if (done >= due) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        const double wall = secondsSince(b0);
        worker.stop(std::chrono::seconds(10));
        const double per = double(std::max<long>(1, timed.runs.load()));
        const double hb = double(handler_db.stats.tx_ns) / 1e6 / per;
        const double smtp = double(mailer.ns) / 1e6 / per;
        const double handler_ms = double(timed.ns) / 1e6 / per;
        const double queue_ms = double(queue_db.stats.tx_ns) / 1e6 / per;
        std::printf("  breakdown run (same handler/queue/worker settings, instrumented): %lld welcome emails in %.2f s "
                    "-> %.0f emails/s\n",
                    (long long)done, wall, double(done) / wall);
        std::printf("    per email, thread time: handler %.2f ms = DB %.2f ms (%.1f tx, %.1f statements, of which "
                    "%.2f ms getting a connection + BEGIN) + SMTP send %.2f ms + rest %.2f ms (JSON, templates, crypto)\n",
                    handler_ms, hb, double(handler_db.stats.tx) / per, double(handler_db.stats.statements) / per,
                    double(handler_db.stats.begin_ns) / 1e6 / per, smtp, handler_ms - hb - smtp);
        std::printf("    + queue %.2f ms (%.2f tx: claim, complete, maintenance, heartbeats; %.2f ms getting a "
                    "connection + BEGIN); %d threads x %.2f s = %.0f ms thread time per email\n",
                    queue_ms, double(queue_db.stats.tx) / per, double(queue_db.stats.begin_ns) / 1e6 / per,
                    config.workers, wall, config.workers * wall * 1000 / per);
        std::printf("SUMMARY|%s|email: handler DB ms/email|%.2f\n", backend.c_str(), hb);
        std::printf("SUMMARY|%s|email: SMTP send ms/email|%.2f\n", backend.c_str(), smtp);
        std::printf("SUMMARY|%s|email: rest of handler ms/email|%.2f\n", backend.c_str(), handler_ms - hb - smtp);
        std::printf("SUMMARY|%s|email: claim+complete ms/email|%.2f\n", backend.c_str(), queue_ms);
        ok = ok && done == due;
    }
    std::error_code ec;
    std::filesystem::remove_all(var_dir, ec);
    return ok ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------------------------
// 3. signup -> accepted latency over HTTP

struct HttpResult {
    int status = 0;
    std::string body;
    std::vector<std::string> set_cookies;
};

HttpResult httpRequest(unsigned short port, const std::string& method, const std::string& path,
                       const std::map<std::string, std::string>& headers, const std::string& body = "") {
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(60, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setHost("rsolv.bench");
    for (const auto& [k, v] : headers) req.set(k, v);
    if (method == "POST") {
        req.setContentType("application/x-www-form-urlencoded");
        req.setContentLength(std::streamsize(body.size()));
    }
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse res;
    auto& in = session.receiveResponse(res);
    HttpResult r;
    r.status = res.getStatus();
    Poco::StreamCopier::copyToString(in, r.body);
    for (const auto& [k, v] : res)
        if (Poco::icompare(k, "Set-Cookie") == 0) r.set_cookies.push_back(v);
    return r;
}

std::string formEncode(const std::map<std::string, std::string>& fields) {
    std::string body;
    for (const auto& [k, v] : fields) {
        std::string ek, ev;
        Poco::URI::encode(k, "&=+?#/;@", ek);
        Poco::URI::encode(v, "&=+?#/;@", ev);
        body += (body.empty() ? "" : "&") + ek + "=" + ev;
    }
    return body;
}

std::string csrfTokenOf(const std::string& html) {
    static const std::regex re("<input[^>]*name=\"csrf_token\"[^>]*value=\"([^\"]*)\"");
    std::smatch m;
    return std::regex_search(html, m, re) ? m[1].str() : std::string();
}

/// Lines "<epoch_ns> <rcpt>" the recording SMTP server wrote; rcpt lowercased.
std::map<std::string, std::int64_t> readAcceptLog(const std::string& path) {
    std::map<std::string, std::int64_t> out;
    std::ifstream in(path);
    std::int64_t t;
    std::string rcpt;
    while (in >> t >> rcpt) {
        std::transform(rcpt.begin(), rcpt.end(), rcpt.begin(), ::tolower);
        out.emplace(rcpt, t);
    }
    return out;
}

struct BurstResult {
    int arrived = 0;
    int expected = 0;
};

int runLatency(const Args& args) {
    const std::string url = args.get("db");
    const std::string backend = backendOf(url);
    const int n = int(args.num("n", 100));
    const int smtp_port = int(args.num("smtp-port", 0));
    const std::string log = args.get("accept-log");
    const bool wake_variant = args.num("wake-variant", 1) != 0;
    const std::string label = args.get("label");  // e.g. "SMTP +10 ms/reply": shown in the headings and summary
    const auto var_dir = makeTempDir("rsolv-jobs-bench-");
    auto config = baseConfig(url, var_dir, smtp_port);
    config.trusted_proxies = {"127.0.0.1/32"};  // so each client can have its own X-Forwarded-For address
    config.http_threads = int(args.num("http-threads", 128));
    SystemClock clock;
    app::App app(config, clock);
    app.startHttp();
    app.startWorkers();
    const unsigned short port = app.port();
    const CpuWatch watch{pgDatabaseName(url), args.get("smtp-pid")};
    std::printf("== signup -> accepted latency on %s%s%s: %d concurrent signups over HTTP (port %u, %d HTTP threads), "
                "App worker %d threads (batch 10, poll 250 ms), recording SMTP 127.0.0.1:%d\n",
                backend.c_str(), label.empty() ? "" : ", ", label.c_str(), n, port, config.http_threads, config.workers,
                smtp_port);
    const std::string run = crypto::hex(crypto::randomBytes(3));

    auto signupOnce = [&](const std::string& email, const std::string& ip, std::latch* gate, std::int64_t& post_start,
                          std::int64_t& post_end) -> int {
        const auto form = httpRequest(port, "GET", "/signup", {{"X-Forwarded-For", ip}});
        std::string cookie;
        for (const auto& sc : form.set_cookies) {
            const auto semi = sc.find(';');
            cookie += (cookie.empty() ? "" : "; ") + sc.substr(0, semi);
        }
        const std::string token = csrfTokenOf(form.body);
        const std::string body = formEncode({{"csrf_token", token}, {"email", email}, {"name", "Latency User"},
                                             {"company", "Bench Co"}});
        if (gate) gate->arrive_and_wait();
        post_start = epochNs();
        const auto res = httpRequest(port, "POST", "/signup",
                                     {{"Cookie", cookie}, {"Origin", config.public_url}, {"X-Forwarded-For", ip},
                                      {"User-Agent", "jobs_bench"}},
                                     body);
        post_end = epochNs();
        return res.status;
    };

    // Warm-up: a few signups one by one, so the first measured one does not pay for first connections and statements.
    for (int i = 0; i < 4; ++i) {
        std::int64_t a, b;
        const int st = signupOnce("warm-" + run + "-" + std::to_string(i) + "@example.com",
                                  "10.8.0." + std::to_string(i + 1), nullptr, a, b);
        if (st != 303) std::printf("  warm-up signup answered %d\n", st);
    }
    {
        const auto t0 = SteadyClock::now();
        while (secondsSince(t0) < 10 && readAcceptLog(log).size() < 4)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }

    // One burst of n concurrent signups. `wake`: the bench calls Worker::wake() when each POST returns, standing in
    // for a signup path that wakes the worker after its commit (the service as it is relies on the 250 ms poll).
    auto burst = [&](const std::string& tag, bool wake, int subnet) -> BurstResult {
        std::vector<std::string> emails(n);
        std::vector<std::int64_t> start(n), end(n);
        std::vector<int> status(n);
        std::latch gate(n);
        std::vector<std::thread> ts;
        const auto cpu0 = watch.take();
        const auto burst0 = SteadyClock::now();
        for (int i = 0; i < n; ++i) {
            emails[i] = tag + "-" + run + "-" + std::to_string(i) + "@example.com";
            ts.emplace_back([&, i] {
                try {
                    status[i] = signupOnce(emails[i],
                                           "10." + std::to_string(subnet) + "." + std::to_string(i / 256) + "." +
                                               std::to_string(i % 256 + 1),
                                           &gate, start[i], end[i]);
                    if (wake) app.worker().wake();
                } catch (const std::exception& e) {
                    status[i] = -1;
                    std::fprintf(stderr, "signup %d: %s\n", i, e.what());
                }
            });
        }
        for (auto& t : ts) t.join();
        std::map<int, int> statuses;
        for (int s : status) ++statuses[s];
        BurstResult out;
        out.expected = statuses[303];

        std::map<std::string, std::int64_t> accepted;
        const auto w0 = SteadyClock::now();
        for (;;) {
            accepted = readAcceptLog(log);
            int arrived = 0;
            for (int i = 0; i < n; ++i) arrived += int(accepted.count(emails[i]));
            if (arrived >= out.expected || secondsSince(w0) > 30) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        const double wall = secondsSince(burst0);
        const auto cpu1 = watch.take();

        std::vector<double> total_ms, post_ms, after_ms;
        const std::int64_t first_post = *std::min_element(start.begin(), start.end());
        std::int64_t last_post_end = 0, last_accept = 0;
        for (int i = 0; i < n; ++i) {
            post_ms.push_back(double(end[i] - start[i]) / 1e6);
            last_post_end = std::max(last_post_end, end[i]);
            auto it = accepted.find(emails[i]);
            if (it == accepted.end()) continue;
            total_ms.push_back(double(it->second - start[i]) / 1e6);
            after_ms.push_back(double(it->second - end[i]) / 1e6);
            last_accept = std::max(last_accept, it->second);
        }
        out.arrived = int(total_ms.size());
        std::string st;
        for (const auto& [k, v] : statuses) st += " " + std::to_string(k) + "=" + std::to_string(v);
        std::printf("  -- %s\n", wake ? "variant: the bench calls Worker::wake() as each POST returns (what a wake "
                                        "after the signup commit would give)"
                                      : "as shipped (no wake after enqueue: the worker finds the jobs on its 250 ms poll)");
        std::printf("  POST /signup statuses:%s; POSTs started within %.1f ms of each other\n", st.c_str(),
                    double(*std::max_element(start.begin(), start.end()) - first_post) / 1e6);
        std::printf("  POST /signup response       ms: p50 %7.1f  p99 %7.1f  max %7.1f  (all answered %.0f ms after the "
                    "first POST)\n",
                    percentile(post_ms, 50), percentile(post_ms, 99), percentile(post_ms, 100),
                    double(last_post_end - first_post) / 1e6);
        std::printf("  POST answered -> accepted   ms: p50 %7.1f  p99 %7.1f  max %7.1f  (queue wait + job)\n",
                    percentile(after_ms, 50), percentile(after_ms, 99), percentile(after_ms, 100));
        std::printf("  signup -> SMTP accepted     ms: p50 %7.1f  p99 %7.1f  max %7.1f  arrived %d of %d (last %.0f ms "
                    "after the first POST)\n",
                    percentile(total_ms, 50), percentile(total_ms, 99), percentile(total_ms, 100), out.arrived, n,
                    last_accept ? double(last_accept - first_post) / 1e6 : 0.0);
        std::printf("            %s\n", watch.report(cpu0, cpu1, wall).c_str());
        const std::string suffix = (label.empty() ? "" : ", " + label) + (wake ? ", wake variant" : "");
        std::printf("SUMMARY|%s|signup->accepted p50 ms%s|%.0f\n", backend.c_str(), suffix.c_str(),
                    percentile(total_ms, 50));
        std::printf("SUMMARY|%s|signup->accepted p99 ms%s|%.0f\n", backend.c_str(), suffix.c_str(),
                    percentile(total_ms, 99));
        std::printf("SUMMARY|%s|signup->accepted max ms%s|%.0f\n", backend.c_str(), suffix.c_str(),
                    percentile(total_ms, 100));
        if (!wake) {
            std::printf("SUMMARY|%s|POST /signup p99 ms%s|%.0f\n", backend.c_str(), suffix.c_str(), percentile(post_ms, 99));
            std::printf("SUMMARY|%s|emails arrived (of %d concurrent signups)%s|%d\n", backend.c_str(), n, suffix.c_str(),
                        out.arrived);
        }
        std::fflush(stdout);
        return out;
    };

    const auto plain = burst("lat", false, 9);
    bool ok = plain.arrived == n;
    if (wake_variant) {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let the workers go back to their poll wait
        ok = burst("latwake", true, 10).arrived == n && ok;
    }
    app.stopHttp();
    app.stopWorkers(std::chrono::seconds(5));
    std::error_code ec;
    std::filesystem::remove_all(var_dir, ec);
    return ok ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Worker::stop() while jobs run (SIGTERM path)

class SlowHandler final : public jobs::JobHandler {
public:
    explicit SlowHandler(std::chrono::microseconds d) : d_(d) {}
    jobs::JobOutcome run(const jobs::Job&, jobs::JobLease&) override {
        if (d_.count() > 0) std::this_thread::sleep_for(d_);
        return jobs::JobOutcome::done();
    }

private:
    std::chrono::microseconds d_;
};

int runStop(const Args& args) {
    const std::string url = args.get("db");
    const int trials = int(args.num("trials", 3));
    const long job_us = args.num("job-us", 0);
    auto db = storage::openDatabase({url, 8, 10000});
    storage::migrate(*db);
    SystemClock clock;
    std::printf("== Worker::stop(grace 20 s) while 4 threads run jobs of %ld us (%s), %d trials\n", job_us,
                backendOf(url).c_str(), trials);
    std::vector<double> took;
    for (int t = 0; t < trials; ++t) {
        storage::inTransaction(*db, storage::TxMode::Write, [&](storage::Transaction& tx) {
            tx.exec(kDeleteKind, {std::string("bench.slow")});
            const Timestamp now = clock.now();
            for (int i = 0; i < 2000; ++i) jobs::enqueue(tx, {"bench.slow", {{"i", i}}, std::nullopt, now}, now);
        });
        SlowHandler handler{std::chrono::microseconds(job_us)};
        jobs::JobQueue queue(*db, clock, "bench-stop", std::chrono::seconds(60));
        jobs::WorkerOptions options;
        options.threads = 4;
        options.poll_interval = std::chrono::milliseconds(5);
        jobs::Worker worker(queue, options);
        worker.addHandler("bench.slow", handler);
        worker.start();
        std::this_thread::sleep_for(std::chrono::milliseconds(200 + 37 * t));
        const auto t0 = SteadyClock::now();
        worker.stop(std::chrono::seconds(20));
        took.push_back(secondsSince(t0));
        std::printf("  trial %d: stop() returned after %.3f s\n", t + 1, took.back());
        std::fflush(stdout);
    }
    std::printf("SUMMARY|%s|Worker::stop() max s, jobs running|%.2f\n", backendOf(url).c_str(),
                *std::max_element(took.begin(), took.end()));
    return 0;
}


// ---------------------------------------------------------------------------------------------------------------
// 5. the mail drain after an SMTP outage (issue 10, defect 4)

/// Lines of the recorder's accept log: "<epoch_ns> <rcpt>".
std::vector<std::pair<std::int64_t, std::string>> readDrainLog(const std::string& path) {
    std::vector<std::pair<std::int64_t, std::string>> out;
    std::ifstream in(path);
    std::int64_t t = 0;
    std::string rcpt;
    while (in >> t >> rcpt) out.emplace_back(t, rcpt);
    return out;
}

bool portAccepts(int port) {
    try {
        Poco::Net::StreamSocket s;
        s.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)), Poco::Timespan(0, 200000));
        return true;
    } catch (...) {
        return false;
    }
}

int runDrain(const Args& args) {
    const std::string url = args.get("db");
    const std::string backend = backendOf(url);
    const long n = args.num("n", 2000);
    const int smtp_port = int(args.num("smtp-port", 0));
    const std::string accept_log = args.get("accept-log");
    const std::string smtp_cmd = args.get("smtp-cmd");  // starts the recorder on smtp_port: the server's return
    const long outage_s = args.num("outage-s", 20);
    const auto var_dir = makeTempDir("rsolv-jobs-bench-");
    auto config = baseConfig(url, var_dir, smtp_port);
    config.workers = int(args.num("workers", 4));
    config.mail_senders = int(args.num("senders", 4));
    SystemClock clock;
    std::printf("== mail drain on %s: %ld welcome emails wait through a %ld s SMTP outage; App worker %d threads, %d SMTP "
                "senders, breaker after %d failures, probe every %d s\n",
                backend.c_str(), n, outage_s, config.workers, config.mail_senders, config.mail_breaker_threshold,
                config.mail_probe_seconds);
    if (portAccepts(smtp_port)) throw std::runtime_error("something already listens on the SMTP port");

    app::App app(config, clock);
    app.startWorkers();  // the workers run through the whole outage, as in production
    const std::string run = crypto::hex(crypto::randomBytes(3));
    {
        std::atomic<long> next{0};
        std::vector<std::thread> ts;
        for (int t = 0; t < 4; ++t)
            ts.emplace_back([&] {
                for (long i; (i = next++) < n;) {
                    domain::SignupRequest r;
                    r.email = "drain-" + run + "-" + std::to_string(i) + "@example.com";
                    r.name = "Bench User " + std::to_string(i);
                    r.client_ip = "10.3." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256);
                    r.user_agent = "jobs_bench";
                    app.provisioning().provisionFromSignup(r);
                    app.worker().wake();
                }
            });
        for (auto& t : ts) t.join();
    }
    const auto outage_start = SteadyClock::now();
    while (secondsSince(outage_start) < double(outage_s)) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto waiting = countQuery(app.database(), kCountKindNotCompleted, {kWelcomeKind});
    std::printf("  after the outage: %lld welcome emails waiting; breaker opened %llu time(s), %llu probe(s) failed\n",
                (long long)waiting, (unsigned long long)app.mailTransport().primaryBreaker().timesOpened(),
                (unsigned long long)app.mailTransport().counters().failed_probes.load());
    printJobStates(app.database(), kWelcomeKind);

    // The server returns.
    pid_t smtp_pid = -1;
    {
        const char* argv[] = {"/bin/sh", "-c", smtp_cmd.c_str(), nullptr};
        if (posix_spawn(&smtp_pid, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ) != 0)
            throw std::runtime_error("could not start the SMTP server");
    }
    while (!portAccepts(smtp_port)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto back = SteadyClock::now();
    const std::int64_t back_ns = epochNs();
    std::vector<std::pair<std::int64_t, std::string>> accepted;
    while (secondsSince(back) < 120) {
        accepted = readDrainLog(accept_log);
        if (long(accepted.size()) >= n) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    // A little longer, to see any duplicate that would come after the last first copy.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    accepted = readDrainLog(accept_log);
    app.stopWorkers(std::chrono::seconds(10));
    kill(smtp_pid, SIGTERM);
    waitpid(smtp_pid, nullptr, 0);

    std::set<std::string> distinct;
    std::int64_t first_ns = 0, last_ns = 0;
    for (const auto& [t, rcpt] : accepted) {
        if (rcpt.find("drain-" + run + "-") == std::string::npos) continue;
        distinct.insert(rcpt);
        if (!first_ns || t < first_ns) first_ns = t;
        last_ns = std::max(last_ns, t);
    }
    const double first_s = first_ns ? double(first_ns - back_ns) / 1e9 : -1;
    const double all_s = last_ns ? double(last_ns - back_ns) / 1e9 : -1;
    const long duplicates = long(accepted.size()) - long(distinct.size());
    const auto completed = countQuery(app.database(), kCountKindState, {kWelcomeKind, std::string("completed")});
    std::printf("  server back: first email after %.2f s (the next probe), all %zu of %ld after %.2f s; %ld duplicate(s); "
                "%lld jobs completed -> %.0f emails/s once sending\n",
                first_s, distinct.size(), n, all_s, duplicates, (long long)completed,
                all_s > first_s ? double(distinct.size()) / (all_s - first_s) : 0.0);
    std::printf("  target: all %ld within 30 s of the return, each exactly once: %s\n", n,
                long(distinct.size()) == n && duplicates == 0 && all_s <= 30 ? "met" : "NOT met");
    if (completed != n) printJobStates(app.database(), kWelcomeKind);
    std::printf("SUMMARY|%s|drain: s from SMTP return to all %ld emails|%.1f\n", backend.c_str(), n, all_s);
    std::printf("SUMMARY|%s|drain: s to the first email (probe)|%.1f\n", backend.c_str(), first_s);
    std::printf("SUMMARY|%s|drain: duplicates|%ld\n", backend.c_str(), duplicates);
    return long(distinct.size()) == n && duplicates == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s empty|email|latency --db URL [--key value ...]\n", argv[0]);
        return 2;
    }
    const std::string mode = argv[1];
    Args args;
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        if (k.rfind("--", 0) == 0) k = k.substr(2);
        args.kv[k] = argv[i + 1];
    }
    rsolv::crypto::init();
    spdlog::set_default_logger(spdlog::stderr_color_mt("jobs_bench"));  // warnings to stderr: the script tallies them
    spdlog::set_level(spdlog::level::warn);
    try {
        if (mode == "empty") return runEmpty(args);
        if (mode == "email") return runEmail(args);
        if (mode == "latency") return runLatency(args);
        if (mode == "stop") return runStop(args);
        if (mode == "drain") return runDrain(args);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "jobs_bench %s: %s\n", mode.c_str(), e.what());
        return 1;
    }
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
}
