// The cost of one GET /metrics scrape with a large database (issue 13: 100,000 customers, 1,000,000 jobs rows).
// Plain main:
//   build/metrics_scrape_bench [DATABASE_URL] [customers] [jobs] [scrapes]
// DATABASE_URL defaults to a SQLite file in /tmp; give a postgresql:// URL of an empty database for PostgreSQL.
// Prints, per scrape, the wall time and this process's CPU time with the job counts read every time (the worst
// case: a cache of 0 s) and served from the 5 s cache (what Prometheus sees between refreshes); on PostgreSQL also
// the CPU of the server backend serving the bench's single connection (from /proc: run it on the database's machine).
// Then, for comparison in the same run, the count the scrape ran before migration 0012 (every row, completed ones
// included), kept below as kCountBefore0012.
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "process_cpu.h"
#include "common/clock.h"
#include "metrics/service_metrics.h"
#include "storage/migrations.h"
#include "storage/sql.h"

namespace {

using namespace rsolv;

using bench::otherProcessCpuSeconds;
using bench::processCpuSeconds;

constexpr storage::Query kBackendPid{"SELECT pg_backend_pid() AS pid", "SELECT 0 AS pid"};
/// What a scrape counted before migration 0012.
constexpr storage::Query kCountBefore0012{"SELECT kind, state, COUNT(*) AS n FROM jobs GROUP BY kind, state"};

std::string fillScript(storage::Dialect dialect, long customers, long jobs, Timestamp now) {
    const std::string t = "'" + storage::formatTimestamp(now) + "'";
    const std::string hour_ago = "'" + storage::formatTimestamp(now - std::chrono::hours(1)) + "'";
    const auto seq = [&](long n) {
        return dialect == storage::Dialect::Postgres
                   ? std::string("FROM generate_series(1, ") + std::to_string(n) + ") AS s(g)"
                   : std::string("FROM seq");
    };
    const auto with = [&](long n) {
        return dialect == storage::Dialect::Postgres
                   ? std::string()
                   : "WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq WHERE g < " +
                         std::to_string(n) + ") ";
    };
    const std::string yes = dialect == storage::Dialect::Postgres ? "TRUE" : "1";
    const std::string kinds = dialect == storage::Dialect::Postgres
                                  ? "(ARRAY['email.welcome','email.onboarding_24h','email.sign_in'])[1 + g % 3]"
                                  : "CASE g % 3 WHEN 0 THEN 'email.welcome' WHEN 1 THEN 'email.onboarding_24h' "
                                    "ELSE 'email.sign_in' END";
    return with(customers) +
           "INSERT INTO customers (email, email_canonical, name, trial_fixes_limit, auto_provisioned, created_at, "
           "updated_at) SELECT 'c' || g || '@example.com', 'c' || g || '@example.com', 'Customer ' || g, 10, " +
           yes + ", " + t + ", " + t + " " + seq(customers) + ";\n" + with(jobs) +
           "INSERT INTO jobs (kind, payload, state, run_at, created_at, updated_at, finished_at) SELECT " + kinds +
           ", '{}', CASE WHEN g % 100 = 0 THEN 'available' WHEN g % 1000 = 1 THEN 'dead' ELSE 'completed' END, " +
           hour_ago + ", " + t + ", " + t + ", " + t + " " + seq(jobs) + ";\n";
}

template <class Scrape>
void timeScrapes(const char* label, int scrapes, long backend_pid, Scrape scrape) {
    size_t bytes = 0;
    const double cpu0 = processCpuSeconds(), server0 = otherProcessCpuSeconds(backend_pid);
    const auto wall0 = std::chrono::steady_clock::now();
    for (int i = 0; i < scrapes; ++i) bytes += scrape();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    const double cpu = processCpuSeconds() - cpu0, server = otherProcessCpuSeconds(backend_pid) - server0;
    std::printf("%-34s %8.3f ms wall  %8.3f ms CPU (this process)  %8.3f ms CPU (server backend) per scrape, "
                "%zu bytes\n",
                label, wall * 1000 / scrapes, cpu * 1000 / scrapes, server * 1000 / scrapes,
                bytes / static_cast<size_t>(scrapes));
}

}  // namespace

int main(int argc, char** argv) {
    const std::string sqlite_path = "/tmp/rsolv-metrics-bench-" + std::to_string(::getpid()) + ".db";
    const std::string url = argc > 1 ? argv[1] : "sqlite:" + sqlite_path;
    const long customers = argc > 2 ? std::stol(argv[2]) : 100000;
    const long jobs = argc > 3 ? std::stol(argv[3]) : 1000000;
    const int scrapes = argc > 4 ? std::stoi(argv[4]) : 50;

    auto db = storage::openDatabase({url, 1, 10000});  // one connection: its server backend's CPU is read
    storage::migrate(*db);
    SystemClock clock;
    const auto fill0 = std::chrono::steady_clock::now();
    storage::inTransaction(*db, storage::TxMode::Write, [&](storage::Transaction& tx) {
        tx.execScript(fillScript(db->dialect(), customers, jobs, clock.now()));
    });
    if (db->dialect() == storage::Dialect::Postgres)
        storage::inTransaction(*db, storage::TxMode::Write, [](storage::Transaction& tx) { tx.execScript("ANALYZE"); });
    std::printf("%s: %ld customers, %ld jobs rows filled in %.1f s\n", db->describe().c_str(), customers, jobs,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - fill0).count());

    metrics::ServiceMetrics uncached(*db, clock, {"bench", Duration(0), {}});
    metrics::ServiceMetrics cached(*db, clock, {"bench", std::chrono::seconds(5), {}});
    for (int i = 0; i < 50; ++i) {
        uncached.requestFinished("GET", "/route/" + std::to_string(i % 25), 200, 0.01);
        cached.requestFinished("GET", "/route/" + std::to_string(i % 25), 200, 0.01);
    }
    cached.scrape();
    const long pid = storage::inTransaction(*db, storage::TxMode::Read, [](storage::Transaction& tx) {
        return long(tx.exec(kBackendPid).front().i64("pid"));
    });
    timeScrapes("job counts read each scrape", scrapes, pid, [&] { return uncached.scrape().size(); });
    timeScrapes("job counts cached (5 s)", scrapes * 20, pid, [&] { return cached.scrape().size(); });
    timeScrapes("before 0012: every row counted", std::max(1, scrapes / 5), pid, [&] {
        return storage::inTransaction(*db, storage::TxMode::Read,
                                      [](storage::Transaction& tx) { return tx.exec(kCountBefore0012).size(); });
    });
    if (url == "sqlite:" + sqlite_path) {
        db.reset();
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(sqlite_path + suffix);
    }
    return 0;
}
