// Issue 11, found by the signup bench (pg_stat_statements: 4 ms of PostgreSQL time in every signup, 80 % of it): the
// statement that checks a signup's limits read every row of rate_limit_hits, not only its own buckets' (PostgreSQL
// joined the whole table by hash, since it expects 100 limits from jsonb_to_recordset; SQLite's prune tested every
// row against every limit). A signup cost more the more hits the last hour and day had kept. Each limit must find its
// bucket's rows through the (bucket, at) index, however many other rows there are.

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "storage/rate_limit_repository.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

using storage::Transaction;
using storage::TxMode;

constexpr storage::Query kFill{
    "INSERT INTO rate_limit_hits (bucket, at) SELECT 'other:' || g, $1::timestamptz FROM generate_series(1, 5000) g",
    "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 5000) "
    "INSERT INTO rate_limit_hits (bucket, at) SELECT 'other:' || n, ?1 FROM g"};
constexpr storage::Query kAnalyze{"ANALYZE rate_limit_hits"};
/// Rows this transaction read from rate_limit_hits by scanning the whole table.
constexpr storage::Query kRowsScanned{
    "SELECT COALESCE(sum(seq_tup_read), 0) AS n FROM pg_stat_xact_user_tables WHERE relname = 'rate_limit_hits'"};

class RateLimitScans : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        database_ = std::make_unique<TestDatabase>(GetParam());
        db_ = database_->open();
        storage::inTransaction(*db_, TxMode::Write, [&](Transaction& tx) {
            tx.exec(kFill, {now_});
            tx.exec(kAnalyze);
        });
    }
    std::vector<storage::RateLimitRepository::Limit> signupLimits() const {
        return {{"signup:email:someone@example.com", now_ - std::chrono::hours(24), 3},
                {"signup:ip:203.0.113.9", now_ - std::chrono::hours(1), 10}};
    }
    const Timestamp now_ = testEpoch();
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<storage::Database> db_;
};

TEST_P(RateLimitScans, ASignupsLimitsReadOnlyTheirOwnBuckets) {
    if (GetParam() == Backend::Postgres) {
        // Custom plans for the first executions of a prepared statement, then the generic one: run past both.
        for (int i = 0; i < 8; ++i) {
            const auto scanned = storage::inTransaction(*db_, TxMode::Write, [&](Transaction& tx) {
                const auto windows = storage::RateLimitRepository(tx).admitAll(signupLimits(), now_);
                EXPECT_EQ(windows.size(), 2u);
                return tx.exec(kRowsScanned).front().i64("n");
            });
            EXPECT_LT(scanned, 100) << "execution " << i << " read the whole table";
        }
        return;
    }
    // SQLite: the plan of each statement admitAll() runs. "SCAN" of a real table reads all of it; json_each, the list
    // of limits, is a virtual table and may be scanned.
    const std::string path = database_->url().substr(std::string("sqlite:").size());
    SQLite::Database file(path, SQLite::OPEN_READONLY);
    for (const auto& sql : storage::RateLimitRepository::admitStatements(storage::Dialect::Sqlite)) {
        SQLite::Statement plan(file, "EXPLAIN QUERY PLAN " + sql);
        while (plan.executeStep()) {
            const std::string detail = plan.getColumn(3).getString();
            EXPECT_FALSE(detail.rfind("SCAN", 0) == 0 && detail.find("VIRTUAL TABLE") == std::string::npos)
                << detail << "\n  in: " << sql;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, RateLimitScans, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
