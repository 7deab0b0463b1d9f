#include "storage/migrations.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "support/test_app.h"

namespace rsolv::test {
namespace {

using storage::Dialect;
using storage::Query;
using storage::Transaction;
using storage::TxMode;

/// The NNNN_name.sql files of one folder in the source tree, as "NNNN_name".
std::set<std::string> migrationFilesOnDisk(const std::string& folder) {
    std::set<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(RSOLV_SOURCE_DIR) / "migrations" / folder))
        if (entry.path().extension() == ".sql") out.insert(entry.path().stem().string());
    return out;
}

TEST(MigrationFolders, BothDialectsHaveTheSameStepNumbersAndNames) {
    const auto lite = storage::embeddedMigrations(Dialect::Sqlite);
    const auto pg = storage::embeddedMigrations(Dialect::Postgres);
    ASSERT_FALSE(lite.empty());
    ASSERT_EQ(lite.size(), pg.size());
    for (size_t i = 0; i < lite.size(); ++i) {
        EXPECT_EQ(lite[i].version, int(i + 1));
        EXPECT_EQ(lite[i].version, pg[i].version);
        EXPECT_EQ(lite[i].name, pg[i].name) << "step " << lite[i].version;
        EXPECT_FALSE(lite[i].sql.empty());
        EXPECT_FALSE(pg[i].sql.empty());
    }
}

TEST(MigrationFolders, FoldersOnDiskMatchEachOtherAndTheBinary) {
    const auto sqlite_files = migrationFilesOnDisk("sqlite");
    const auto postgres_files = migrationFilesOnDisk("postgres");
    EXPECT_EQ(sqlite_files, postgres_files);
    std::set<std::string> embedded;
    for (const auto& m : storage::embeddedMigrations(Dialect::Sqlite)) {
        char number[8];
        std::snprintf(number, sizeof number, "%04d", m.version);
        embedded.insert(std::string(number) + "_" + m.name);
    }
    EXPECT_EQ(sqlite_files, embedded) << "re-run cmake so the binary embeds every migration";
}

constexpr Query kStepsRecorded{
    "SELECT version, name, COUNT(*) AS n FROM schema_migrations GROUP BY version, name ORDER BY version"};
constexpr Query kCustomersTableExists{
    "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name = 'customers' "
    "AND table_schema = current_schema()",
    "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'customers'"};

class StorageMigrations : public ::testing::TestWithParam<Backend> {
protected:
    StorageMigrations() : database_(GetParam()) {}

    /// Opened without migrating, unlike TestDatabase::open().
    std::unique_ptr<storage::Database> openFresh(int pool_size = 2) const {
        return storage::openDatabase({database_.url(), pool_size, 10000});
    }
    static std::vector<std::string> allNames(Dialect d) {
        std::vector<std::string> names;
        for (const auto& m : storage::embeddedMigrations(d)) names.push_back(m.name);
        return names;
    }
    static int newest(Dialect d) { return storage::embeddedMigrations(d).back().version; }

    /// version -> (name, times recorded)
    static std::map<int, std::pair<std::string, std::int64_t>> recordedSteps(storage::Database& db) {
        return storage::inTransaction(db, TxMode::Read, [](Transaction& tx) {
            std::map<int, std::pair<std::string, std::int64_t>> out;
            const auto rs = tx.exec(kStepsRecorded);
            for (size_t i = 0; i < rs.size(); ++i)
                out[int(rs[i].i64("version"))] = {rs[i].str("name"), rs[i].i64("n")};
            return out;
        });
    }

    TestDatabase database_;
};

TEST_P(StorageMigrations, MigratingTwiceAppliesNothingTheSecondTime) {
    auto db = openFresh();
    const auto first = storage::migrate(*db);
    EXPECT_EQ(first.from_version, 0);
    EXPECT_EQ(first.to_version, newest(db->dialect()));
    EXPECT_EQ(first.applied, allNames(db->dialect()));

    const auto second = storage::migrate(*db);
    EXPECT_TRUE(second.applied.empty());
    EXPECT_EQ(second.from_version, newest(db->dialect()));
    EXPECT_EQ(second.to_version, newest(db->dialect()));

    const auto steps = recordedSteps(*db);
    EXPECT_EQ(steps.size(), allNames(db->dialect()).size());
    for (const auto& [version, row] : steps) EXPECT_EQ(row.second, 1) << "step " << version;
}

TEST_P(StorageMigrations, SchemaStatusIsCurrentOnlyAfterMigrate) {
    auto db = openFresh();
    const auto before = storage::schemaStatus(*db);
    EXPECT_EQ(before.database_version, 0);
    EXPECT_EQ(before.binary_version, newest(db->dialect()));
    EXPECT_FALSE(before.current());

    storage::migrate(*db);
    const auto after = storage::schemaStatus(*db);
    EXPECT_EQ(after.database_version, newest(db->dialect()));
    EXPECT_EQ(after.binary_version, newest(db->dialect()));
    EXPECT_TRUE(after.current());
}

TEST_P(StorageMigrations, RefusesADatabaseNewerThanTheBinary) {
    auto db = openFresh();
    storage::inTransaction(*db, TxMode::Write, [](Transaction& tx) {
        tx.execScript(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);"
            "INSERT INTO schema_migrations (version, name, applied_at) "
            "VALUES (999, 'from_the_future', '2030-01-01T00:00:00.000000Z');");
    });

    try {
        storage::migrate(*db);
        FAIL() << "migrate() accepted a database at schema version 999";
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("newer"), std::string::npos) << what;
        EXPECT_NE(what.find("999"), std::string::npos) << what;
    }

    const auto status = storage::schemaStatus(*db);
    EXPECT_EQ(status.database_version, 999);
    EXPECT_FALSE(status.current());
    // Nothing of the binary's own schema was applied over the newer one.
    const auto customers = storage::inTransaction(
        *db, TxMode::Read, [](Transaction& tx) { return tx.exec(kCustomersTableExists).front().i64("n"); });
    EXPECT_EQ(customers, 0);
    const auto steps = recordedSteps(*db);
    ASSERT_EQ(steps.size(), 1u);
    EXPECT_EQ(steps.begin()->first, 999);
}

TEST_P(StorageMigrations, FourInstancesMigratingAtOnceApplyEachStepOnce) {
    constexpr int kInstances = 4;
    std::vector<std::unique_ptr<storage::Database>> instances;
    for (int i = 0; i < kInstances; ++i) instances.push_back(openFresh());

    std::latch start(kInstances);
    std::mutex mutex;
    std::vector<storage::MigrationReport> reports;
    std::vector<std::string> errors;
    std::vector<std::thread> threads;
    for (int i = 0; i < kInstances; ++i) {
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            try {
                auto report = storage::migrate(*instances[i]);
                std::lock_guard lock(mutex);
                reports.push_back(std::move(report));
            } catch (const std::exception& e) {
                std::lock_guard lock(mutex);
                errors.push_back(e.what());
            }
        });
    }
    for (auto& t : threads) t.join();

    EXPECT_TRUE(errors.empty()) << errors.front();
    ASSERT_EQ(reports.size(), size_t(kInstances));
    const Dialect dialect = instances.front()->dialect();
    std::vector<std::string> applied;
    for (const auto& r : reports) {
        EXPECT_EQ(r.to_version, newest(dialect));
        applied.insert(applied.end(), r.applied.begin(), r.applied.end());
    }
    // Every step was applied by exactly one of the instances.
    std::sort(applied.begin(), applied.end());
    auto expected = allNames(dialect);
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(applied, expected);

    auto db = openFresh();
    const auto status = storage::schemaStatus(*db);
    EXPECT_EQ(status.database_version, newest(dialect));
    EXPECT_TRUE(status.current());
    const auto steps = recordedSteps(*db);
    const auto migrations = storage::embeddedMigrations(dialect);
    ASSERT_EQ(steps.size(), migrations.size());
    for (const auto& m : migrations) {
        ASSERT_TRUE(steps.count(m.version)) << "step " << m.version << " not recorded";
        EXPECT_EQ(steps.at(m.version).first, m.name);
        EXPECT_EQ(steps.at(m.version).second, 1);
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageMigrations, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
