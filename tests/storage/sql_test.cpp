#include "storage/sql.h"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <stdexcept>

#include "storage/database.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

using namespace std::chrono;
using storage::Dialect;
using storage::Query;
using storage::StorageError;
using storage::Transaction;
using storage::TxMode;
using storage::Value;

Timestamp at(int y, unsigned m, unsigned d, int hh, int mm, int ss, long us = 0) {
    return Timestamp(sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss} + microseconds{us});
}

// formatTimestamp / parseTimestamp are pure functions: no backend to vary.

TEST(SqlTimestampText, FormatsIsoUtcWithSixFractionalDigits) {
    EXPECT_EQ(storage::formatTimestamp(at(2026, 11, 24, 5, 56, 0)), "2026-11-24T05:56:00.000000Z");
    EXPECT_EQ(storage::formatTimestamp(at(2026, 11, 24, 5, 56, 0, 120000)), "2026-11-24T05:56:00.120000Z");
    EXPECT_EQ(storage::formatTimestamp(at(2026, 11, 24, 5, 56, 0, 1)), "2026-11-24T05:56:00.000001Z");
    EXPECT_EQ(storage::formatTimestamp(at(2000, 2, 29, 23, 59, 59, 999999)), "2000-02-29T23:59:59.999999Z");
    EXPECT_EQ(storage::formatTimestamp(Timestamp{}), "1970-01-01T00:00:00.000000Z");
    EXPECT_EQ(storage::formatTimestamp(Timestamp{} - microseconds{1}), "1969-12-31T23:59:59.999999Z");
}

TEST(SqlTimestampText, ParsesItsOwnFormatAndPostgresOutput) {
    EXPECT_EQ(storage::parseTimestamp("2026-11-24T05:56:00.000000Z"), at(2026, 11, 24, 5, 56, 0));
    EXPECT_EQ(storage::parseTimestamp("2026-11-24T05:56:00.123456Z"), at(2026, 11, 24, 5, 56, 0, 123456));
    // PostgreSQL's text output in a UTC session: no fraction when whole, trailing zeros trimmed.
    EXPECT_EQ(storage::parseTimestamp("2026-11-24 05:56:00+00"), at(2026, 11, 24, 5, 56, 0));
    EXPECT_EQ(storage::parseTimestamp("2026-11-24 05:56:00.12+00"), at(2026, 11, 24, 5, 56, 0, 120000));
    EXPECT_EQ(storage::parseTimestamp("2026-11-24 05:56:00.000001+00"), at(2026, 11, 24, 5, 56, 0, 1));
    EXPECT_EQ(storage::parseTimestamp("2026-11-24 05:56:00.5+00:00"), at(2026, 11, 24, 5, 56, 0, 500000));
    EXPECT_EQ(storage::parseTimestamp("2026-11-24 05:56:00"), at(2026, 11, 24, 5, 56, 0));
}

TEST(SqlTimestampText, FormatThenParseIsTheIdentity) {
    const Timestamp base = at(2026, 11, 24, 5, 56, 0);
    for (const auto offset : {microseconds{0}, microseconds{1}, microseconds{999999}, microseconds{-1},
                              duration_cast<microseconds>(hours{24 * 365 * 30}) + microseconds{424242},
                              -duration_cast<microseconds>(hours{24 * 365 * 60}) - microseconds{7}}) {
        const Timestamp t = base + offset;
        EXPECT_EQ(storage::parseTimestamp(storage::formatTimestamp(t)), t) << storage::formatTimestamp(t);
    }
}

TEST(SqlTimestampText, RejectsMalformedOrNonUtcText) {
    for (const char* bad : {"", "yesterday", "2026-11-24", "2026/11/24 05:56:00", "2026-11-24T05:56:00+01",
                            "2026-11-24 05:56:00-05", "2026-11-24T05:56:00.1Zjunk", "2026-13-01T00:00:00Z",
                            "2026-02-30T00:00:00Z", "2026-11-24T05:5x:00Z"})
        EXPECT_THROW(storage::parseTimestamp(bad), std::invalid_argument) << '"' << bad << '"';
}

TEST(SqlTimestampText, RejectsTimesOfDayOutOfRange) {
    // The date is checked with year_month_day::ok(), the time of day is not: "25:00" silently becomes the next day.
    for (const char* bad : {"2026-11-24T25:00:00Z", "2026-11-24T05:61:00Z", "2026-11-24T05:56:75Z",
                            "2026-11-24T-1:56:00Z"})
        EXPECT_THROW(storage::parseTimestamp(bad), std::invalid_argument) << '"' << bad << '"';
}

// Everything below goes through a real database of each backend.

constexpr Query kInsert{"INSERT INTO sql_roundtrip (id, ts, flag, n, s) VALUES ($1, $2, $3, $4, $5)"};
constexpr Query kSelect{"SELECT id, ts, flag, n, s FROM sql_roundtrip WHERE id = $1"};
constexpr Query kCount{"SELECT COUNT(*) AS n FROM sql_roundtrip"};
constexpr Query kIdsByTime{"SELECT id FROM sql_roundtrip WHERE ts > $1 ORDER BY ts"};

class StorageSql : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        database_ = std::make_unique<TestDatabase>(GetParam());
        db_ = database_->open();
        storage::inTransaction(*db_, TxMode::Write, [](Transaction& tx) {
            // Each backend's own types: the conversions under test are the ones the repositories rely on.
            if (tx.dialect() == Dialect::Postgres)
                tx.execScript(
                    "CREATE TABLE sql_roundtrip (id BIGINT PRIMARY KEY, ts TIMESTAMPTZ, flag BOOLEAN, n BIGINT, s TEXT)");
            else
                tx.execScript(
                    "CREATE TABLE sql_roundtrip (id INTEGER PRIMARY KEY, ts TEXT, flag INTEGER, n INTEGER, s TEXT)");
        });
    }

    void insert(std::int64_t id, Value ts, Value flag = nullptr, Value n = nullptr, Value s = nullptr) {
        storage::inTransaction(*db_, TxMode::Write,
                               [&](Transaction& tx) { tx.exec(kInsert, {id, ts, flag, n, s}); });
    }
    storage::ResultSet select(std::int64_t id) {
        return storage::inTransaction(*db_, TxMode::Read, [&](Transaction& tx) { return tx.exec(kSelect, {id}); });
    }
    std::int64_t count() {
        return storage::inTransaction(*db_, TxMode::Read,
                                      [](Transaction& tx) { return tx.exec(kCount).front().i64("n"); });
    }

    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<storage::Database> db_;
};

TEST_P(StorageSql, TimestampsRoundTripToTheMicrosecond) {
    const std::vector<Timestamp> times = {
        at(2026, 11, 24, 5, 56, 0),                // whole second: PostgreSQL prints no fraction
        at(2026, 11, 24, 5, 56, 0, 120000),        // PostgreSQL prints ".12"
        at(2026, 11, 24, 5, 56, 0, 1),
        at(2026, 11, 24, 5, 56, 0, 999999),
        at(2026, 11, 24, 5, 56, 0, 123456),
        at(2000, 2, 29, 23, 59, 59, 999999),
        at(1970, 1, 1, 0, 0, 0),
        at(1969, 12, 31, 23, 59, 59, 999999),
        at(2099, 12, 31, 23, 59, 59, 500001),
    };
    for (size_t i = 0; i < times.size(); ++i) insert(std::int64_t(i), times[i]);
    for (size_t i = 0; i < times.size(); ++i) {
        const auto rs = select(std::int64_t(i));
        ASSERT_EQ(rs.size(), 1u);
        EXPECT_EQ(rs.front().time("ts"), times[i])
            << "sent " << storage::formatTimestamp(times[i]) << ", read back " << rs.front().str("ts");
    }

    // Bound timestamps compare as times in SQL on both backends (text order is time order on SQLite).
    const auto later = storage::inTransaction(*db_, TxMode::Read, [&](Transaction& tx) {
        return tx.exec(kIdsByTime, {at(2026, 11, 24, 5, 56, 0)});
    });
    std::vector<std::int64_t> ids;
    for (size_t i = 0; i < later.size(); ++i) ids.push_back(later[i].i64("id"));
    EXPECT_EQ(ids, (std::vector<std::int64_t>{2, 1, 4, 3, 8}));
}

TEST_P(StorageSql, NullsBooleansIntegersAndTextRoundTrip) {
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
    const std::string utf8 = "Zoë Ångström — 日本語テキスト 🚀 ünïcödé";
    const std::string awkward = "O'Brien \"quoted\" back\\slash 50% _under_ ;--";
    insert(1, nullptr, nullptr, nullptr, nullptr);
    insert(2, at(2026, 1, 1, 0, 0, 0), true, kMax, utf8);
    insert(3, at(2026, 1, 1, 0, 0, 0), false, kMin, std::string());
    insert(4, at(2026, 1, 1, 0, 0, 0), true, std::int64_t(-1), awkward);
    insert(5, at(2026, 1, 1, 0, 0, 0), false, std::int64_t(0), std::string("line1\nline2\ttab"));

    {
        const auto rs = select(1);
        const auto row = rs.front();
        for (const char* column : {"ts", "flag", "n", "s"}) EXPECT_TRUE(row.isNull(column)) << column;
        EXPECT_EQ(row.opt("s"), std::nullopt);
        EXPECT_EQ(row.optI64("n"), std::nullopt);
        EXPECT_EQ(row.optTime("ts"), std::nullopt);
        EXPECT_THROW(row.str("s"), std::out_of_range);
    }
    {
        const auto rs = select(2);
        const auto row = rs.front();
        EXPECT_TRUE(row.boolean("flag"));
        EXPECT_EQ(row.i64("n"), kMax);
        EXPECT_EQ(row.str("s"), utf8);
        EXPECT_EQ(row.optTime("ts"), at(2026, 1, 1, 0, 0, 0));
    }
    {
        const auto rs = select(3);
        const auto row = rs.front();
        EXPECT_FALSE(row.boolean("flag"));
        EXPECT_EQ(row.i64("n"), kMin);
        EXPECT_FALSE(row.isNull("s")) << "an empty string must not come back as NULL";
        EXPECT_EQ(row.str("s"), "");
    }
    {
        const auto rs = select(4);
        EXPECT_TRUE(rs.front().boolean("flag"));
        EXPECT_EQ(rs.front().i64("n"), -1);
        EXPECT_EQ(rs.front().str("s"), awkward);
    }
    {
        const auto rs = select(5);
        EXPECT_FALSE(rs.front().boolean("flag"));
        EXPECT_EQ(rs.front().optI64("n"), 0);
        EXPECT_EQ(rs.front().str("s"), "line1\nline2\ttab");
    }
    EXPECT_TRUE(select(6).empty());
}

TEST_P(StorageSql, TransactionDestroyedWithoutCommitLeavesNothing) {
    {
        auto tx = db_->begin(TxMode::Write);
        tx->exec(kInsert, {std::int64_t(1), at(2026, 1, 1, 0, 0, 0), true, std::int64_t(7), std::string("gone")});
        EXPECT_EQ(tx->exec(kCount).front().i64("n"), 1);  // visible inside
    }
    EXPECT_EQ(count(), 0);
    EXPECT_TRUE(select(1).empty());
    // The connection went back to the pool usable, and the same key can be written for real.
    insert(1, at(2026, 1, 1, 0, 0, 0), true, std::int64_t(8), std::string("kept"));
    EXPECT_EQ(select(1).front().str("s"), "kept");
}

TEST_P(StorageSql, ExceptionInsideInTransactionRollsBack) {
    insert(1, at(2026, 1, 1, 0, 0, 0));
    try {
        storage::inTransaction(*db_, TxMode::Write, [](Transaction& tx) {
            tx.exec(kInsert, {std::int64_t(2), at(2026, 1, 1, 0, 0, 1), nullptr, nullptr, std::string("a")});
            tx.exec(kInsert, {std::int64_t(3), at(2026, 1, 1, 0, 0, 2), nullptr, nullptr, std::string("b")});
            throw std::logic_error("business rule said no");
        });
        FAIL() << "the exception did not reach the caller";
    } catch (const std::logic_error& e) {
        EXPECT_STREQ(e.what(), "business rule said no");
    }
    EXPECT_EQ(count(), 1);
    EXPECT_TRUE(select(2).empty());
    EXPECT_TRUE(select(3).empty());
}

TEST_P(StorageSql, UniqueViolationSurfacesAsItsOwnKind) {
    insert(1, at(2026, 1, 1, 0, 0, 0), nullptr, nullptr, std::string("first"));
    try {
        insert(1, at(2026, 1, 1, 0, 0, 0), nullptr, nullptr, std::string("second"));
        FAIL() << "a duplicate primary key was accepted";
    } catch (const StorageError& e) {
        EXPECT_EQ(e.kind(), StorageError::Kind::UniqueViolation) << e.what();
    }
    EXPECT_EQ(count(), 1);
    EXPECT_EQ(select(1).front().str("s"), "first");
    // The failed transaction did not poison the pooled connection.
    insert(2, at(2026, 1, 1, 0, 0, 0), nullptr, nullptr, std::string("next"));
    EXPECT_EQ(count(), 2);
}

TEST_P(StorageSql, ExhaustedPoolIsUnavailableAfterTheAcquireTimeout) {
    auto small = storage::openDatabase({database_->url(), 1, 200});
    auto held = small->begin(TxMode::Read);
    held->exec(kCount);

    const auto started = steady_clock::now();
    try {
        auto second = small->begin(TxMode::Read);
        FAIL() << "a second transaction got a connection from a pool of one";
    } catch (const StorageError& e) {
        EXPECT_EQ(e.kind(), StorageError::Kind::Unavailable) << e.what();
    }
    const auto waited = duration_cast<milliseconds>(steady_clock::now() - started);
    EXPECT_GE(waited.count(), 190);
    EXPECT_LT(waited.count(), 3000);

    held.reset();
    auto again = small->begin(TxMode::Read);
    EXPECT_EQ(again->exec(kCount).front().i64("n"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageSql, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
