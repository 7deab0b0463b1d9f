// The operator console's customer search among many customers (issue 12's benchmark; plain main).
//
//   admin_search_bench --db URL [--customers 100000] [--queries 300]
//
// Migrates the database URL (sqlite:PATH or postgresql://...; it must be empty or new), inserts N customers with one
// API key each, then runs the search /admin/customers runs (domain::admin::searchCustomers: one page of 50, newest
// first) for a mix of searches: part of an email, a name, a company, a key identifier, nothing matching, a status
// filter, the next page of a broad search. Prints p50/p90/p99/max per kind and overall, in milliseconds.
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

#include "app/app.h"
#include "common/crypto.h"
#include "domain/admin/customers.h"
#include "storage/api_key_repository.h"
#include "storage/customer_repository.h"

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

}  // namespace

int main(int argc, char** argv) {
    const std::string db_url = arg(argc, argv, "--db", "");
    const int customers = std::stoi(arg(argc, argv, "--customers", "100000"));
    const int queries = std::stoi(arg(argc, argv, "--queries", "300"));
    if (db_url.empty()) {
        std::cerr << "usage: admin_search_bench --db URL [--customers N] [--queries N]\n";
        return 2;
    }
    crypto::init();
    spdlog::set_level(spdlog::level::warn);
    app::Config config;
    config.database_url = db_url;
    const auto db = app::openAndMigrate(config);
    const auto started = std::chrono::steady_clock::now();
    populate(*db, customers);
    std::printf("inserted %d customers in %.1f s\n", customers,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());

    std::mt19937 rng(42);
    std::uniform_int_distribution<int> pick(0, customers - 1);
    std::map<std::string, std::vector<double>> times;
    std::vector<double> all;
    for (int q = 0; q < queries; ++q) {
        const int i = pick(rng);
        std::vector<std::pair<std::string, storage::CustomerSearch>> searches;
        storage::CustomerSearch s;
        s.limit = 50;
        s.query = "user" + std::to_string(i) + "@";
        searches.emplace_back("email", s);
        s.query = std::string(kLast[(i / 8) % 8]) + " " + std::to_string(i);
        searches.emplace_back("name", s);
        s.query = "company " + std::to_string(i % 5000);
        searches.emplace_back("company", s);
        s.query = "rsolv_K" + std::to_string(i) + "…";
        searches.emplace_back("key", s);
        s.query = "nobody-" + std::to_string(i);
        searches.emplace_back("no_match", s);
        s.query.clear();
        s.status = "active";
        searches.emplace_back("status_first_page", s);
        s.status.clear();
        s.query = "hopper";
        s.before_id = i + 1;
        searches.emplace_back("broad_next_page", s);
        for (const auto& [kind, search] : searches) {
            const auto t = std::chrono::steady_clock::now();
            const auto page = storage::inTransaction(*db, storage::TxMode::Read, [&](storage::Transaction& tx) {
                return domain::admin::searchCustomers(tx, search);
            });
            const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
            if (kind != "no_match" && page.customers.empty()) std::fprintf(stderr, "warning: %s found nothing\n", kind.c_str());
            times[kind].push_back(ms);
            all.push_back(ms);
        }
    }
    const std::string backend = db_url.rfind("sqlite:", 0) == 0 ? "sqlite" : "postgres";
    for (const auto& [kind, v] : times)
        std::printf("SUMMARY|admin_search|%s|%s|n=%zu|p50=%.2fms|p90=%.2fms|p99=%.2fms|max=%.2fms\n", backend.c_str(),
                    kind.c_str(), v.size(), percentile(v, 0.5), percentile(v, 0.9), percentile(v, 0.99),
                    percentile(v, 1.0));
    std::printf("SUMMARY|admin_search|%s|all|customers=%d|n=%zu|p50=%.2fms|p90=%.2fms|p99=%.2fms|max=%.2fms\n",
                backend.c_str(), customers, all.size(), percentile(all, 0.5), percentile(all, 0.9),
                percentile(all, 0.99), percentile(all, 1.0));
    return 0;
}
