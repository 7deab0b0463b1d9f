// The operator console's customer search among many customers (issue 12's benchmark; plain main).
//
//   admin_search_bench --db URL [--customers 100000] [--queries 300] [--baseline-queries 10]
//
// Migrates the database URL (sqlite:PATH or postgresql://...; it must be empty or new), inserts N customers with one
// API key each, then runs the search /admin/customers runs (domain::admin::searchCustomers: one page of 50, newest
// first) for a mix of searches: part of an email, a name, a company, a key identifier, one and two characters,
// nothing matching, a status filter, the next page of a broad search. Then, for comparison in the same run, the same
// mix through the query the console ran before the search index (migration 0012): LIKE '%q%' over lower(email),
// lower(name), lower(company) and every key, kept below as kBaseline. Prints p50/p90/p99/max per kind and overall,
// in milliseconds, and the CPU per query: of this process (SQLite runs in it) and, on PostgreSQL, of the server
// backend serving the bench's single connection (read from /proc, so run it on the database's machine).
// "SUMMARY|admin_search|..." lines are what bench/README.md quotes.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "process_cpu.h"
#include "app/app.h"
#include "common/crypto.h"
#include "domain/admin/customers.h"
#include "storage/api_key_repository.h"
#include "storage/customer_repository.h"

#include <time.h>

#include <fstream>
#include <sstream>

using namespace rsolv;

namespace {

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
    for (int i = 1; i + 1 < argc; ++i)
        if (argv[i] == name) return argv[i + 1];
    return fallback;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

const char* const kFirst[] = {"Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances"};
const char* const kLast[] = {"Lovelace", "Hopper", "Torvalds", "Liskov", "Thompson", "Hamilton", "Ritchie", "Allen"};

/// The console's search before migration 0012 (a scan of every customer and, for each, of its keys).
constexpr storage::Query kBaseline{
    "SELECT c.id FROM customers c WHERE ($1 = '' OR lower(c.email) LIKE $1 ESCAPE '\\' OR lower(c.name) LIKE $1 "
    "ESCAPE '\\' OR lower(COALESCE(c.company, '')) LIKE $1 ESCAPE '\\' "
    "OR EXISTS (SELECT 1 FROM api_keys k WHERE k.customer_id = c.id AND k.display_id LIKE $2 ESCAPE '\\')) "
    "AND ($3 = '' OR c.status = $3) AND c.created_at >= $4 AND ($5 = 0 OR c.id < $5) ORDER BY c.id DESC LIMIT $6"};
constexpr storage::Query kBackendPid{"SELECT pg_backend_pid() AS pid", "SELECT 0 AS pid"};

std::string likePattern(const std::string& q) {
    std::string out = "%";
    for (char ch : q) {
        if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
        out += ch;
    }
    return out + "%";
}

std::string lower(std::string s) {
    for (auto& ch : s) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

using bench::otherProcessCpuSeconds;
using bench::processCpuSeconds;

void populate(storage::Database& db, int customers) {
    const Timestamp t0 = SystemClock().now() - std::chrono::hours(24 * 365);
    const int batch = 1000;
    for (int start = 0; start < customers; start += batch) {
        storage::inTransaction(db, storage::TxMode::Write, [&](storage::Transaction& tx) {
            storage::CustomerRepository customers_repo(tx);
            storage::ApiKeyRepository keys(tx);
            for (int i = start; i < std::min(customers, start + batch); ++i) {
                storage::NewCustomer c;
                c.email = c.email_canonical = "user" + std::to_string(i) + "@example" + std::to_string(i % 97) + ".com";
                c.name = std::string(kFirst[i % 8]) + " " + kLast[(i / 8) % 8] + " " + std::to_string(i);
                c.company = "Company " + std::to_string(i % 5000);
                const auto id = customers_repo.insert(c, t0 + std::chrono::minutes(i));
                keys.insert(id, crypto::sha256Hex("key" + std::to_string(i)),
                            "rsolv_K" + std::to_string(i) + "…W" + std::to_string(i % 100), "Default key",
                            t0 + std::chrono::minutes(i));
            }
        });
    }
}

/// One search of the mix, timed.
struct Sample {
    std::string kind;
    storage::CustomerSearch search;
};

std::vector<Sample> mixFor(int i) {
    std::vector<Sample> out;
    storage::CustomerSearch s;
    s.limit = 50;
    s.query = "user" + std::to_string(i) + "@";
    out.push_back({"email", s});
    s.query = std::string(kLast[(i / 8) % 8]) + " " + std::to_string(i);
    out.push_back({"name", s});
    s.query = "company " + std::to_string(i % 5000);
    out.push_back({"company", s});
    s.query = "rsolv_K" + std::to_string(i) + "…";
    out.push_back({"key", s});
    s.query = std::string(1, char('a' + i % 26));
    out.push_back({"one_char", s});
    s.query = std::string(kFirst[i % 8]).substr(0, 2);
    out.push_back({"two_chars", s});
    s.query = "nobody-" + std::to_string(i);
    out.push_back({"no_match", s});
    s.query.clear();
    s.status = "active";
    out.push_back({"status_first_page", s});
    s.status.clear();
    s.query = "hopper";
    s.before_id = i + 1;
    out.push_back({"broad_next_page", s});
    return out;
}

struct Timings {
    std::map<std::string, std::vector<double>> by_kind;
    std::vector<double> all;
    double process_cpu = 0, server_cpu = 0;
};

template <class Run>
Timings timeMix(const std::vector<int>& picks, long backend_pid, Run run) {
    Timings t;
    const double cpu0 = processCpuSeconds(), server0 = otherProcessCpuSeconds(backend_pid);
    for (const int i : picks)
        for (const auto& sample : mixFor(i)) {
            const auto start = std::chrono::steady_clock::now();
            const size_t found = run(sample.search);
            const double ms =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
            if (sample.kind != "no_match" && found == 0)
                std::fprintf(stderr, "warning: %s (%s) found nothing\n", sample.kind.c_str(), sample.search.query.c_str());
            t.by_kind[sample.kind].push_back(ms);
            t.all.push_back(ms);
        }
    t.process_cpu = processCpuSeconds() - cpu0;
    t.server_cpu = otherProcessCpuSeconds(backend_pid) - server0;
    return t;
}

void print(const char* label, const std::string& backend, int customers, const Timings& t) {
    for (const auto& [kind, v] : t.by_kind)
        std::printf("SUMMARY|admin_search|%s|%s|%s|n=%zu|p50=%.2fms|p90=%.2fms|p99=%.2fms|max=%.2fms\n", backend.c_str(),
                    label, kind.c_str(), v.size(), percentile(v, 0.5), percentile(v, 0.9), percentile(v, 0.99),
                    percentile(v, 1.0));
    const double n = double(t.all.size());
    std::printf("SUMMARY|admin_search|%s|%s|all|customers=%d|n=%zu|p50=%.2fms|p90=%.2fms|p99=%.2fms|max=%.2fms|"
                "cpu_bench=%.2fms/query|cpu_server=%.2fms/query\n",
                backend.c_str(), label, customers, t.all.size(), percentile(t.all, 0.5), percentile(t.all, 0.9),
                percentile(t.all, 0.99), percentile(t.all, 1.0), t.process_cpu * 1000 / n, t.server_cpu * 1000 / n);
}

}  // namespace

int main(int argc, char** argv) {
    const std::string db_url = arg(argc, argv, "--db", "");
    const int customers = std::stoi(arg(argc, argv, "--customers", "100000"));
    const int queries = std::stoi(arg(argc, argv, "--queries", "300"));
    const int baseline_queries = std::stoi(arg(argc, argv, "--baseline-queries", "10"));
    if (db_url.empty()) {
        std::cerr << "usage: admin_search_bench --db URL [--customers N] [--queries N] [--baseline-queries N]\n";
        return 2;
    }
    crypto::init();
    spdlog::set_level(spdlog::level::warn);
    app::Config config;
    config.database_url = db_url;
    config.db_pool_size = 1;  // one connection, so its server process is the one whose CPU is read
    const auto db = app::openAndMigrate(config);
    const auto started = std::chrono::steady_clock::now();
    const auto existing = storage::inTransaction(*db, storage::TxMode::Read, [](storage::Transaction& tx) {
        return tx.exec(storage::Query{"SELECT COUNT(*) AS n FROM customers"}).front().i64("n");
    });
    if (existing == 0) populate(*db, customers);  // else: a database this bench filled before (--db of a former run)
    if (db->dialect() == storage::Dialect::Postgres)
        storage::inTransaction(*db, storage::TxMode::Write, [](storage::Transaction& tx) { tx.execScript("ANALYZE"); });
    std::printf("inserted %d customers in %.1f s\n", customers,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    const long backend_pid = storage::inTransaction(*db, storage::TxMode::Read, [](storage::Transaction& tx) {
        return long(tx.exec(kBackendPid).front().i64("pid"));
    });

    std::mt19937 rng(42);
    std::uniform_int_distribution<int> pick(0, customers - 1);
    std::vector<int> picks(size_t(std::max(queries, baseline_queries)));
    for (auto& p : picks) p = pick(rng);
    const std::string backend = db->dialect() == storage::Dialect::Sqlite ? "sqlite" : "postgres";

    const auto now = timeMix(std::vector<int>(picks.begin(), picks.begin() + queries), backend_pid,
                             [&](const storage::CustomerSearch& search) {
                                 return storage::inTransaction(*db, storage::TxMode::Read, [&](storage::Transaction& tx) {
                                     return domain::admin::searchCustomers(tx, search).customers.size();
                                 });
                             });
    print("indexed", backend, customers, now);
    const auto before = timeMix(
        std::vector<int>(picks.begin(), picks.begin() + baseline_queries), backend_pid,
        [&](const storage::CustomerSearch& search) {
            const std::string pattern = search.query.empty() ? std::string() : likePattern(search.query);
            return storage::inTransaction(*db, storage::TxMode::Read, [&](storage::Transaction& tx) {
                return tx.exec(kBaseline, {lower(pattern), pattern, search.status, Timestamp{}, search.before_id,
                                           std::int64_t(search.limit + 1)})
                    .size();
            });
        });
    print("before_0012", backend, customers, before);
    return 0;
}
