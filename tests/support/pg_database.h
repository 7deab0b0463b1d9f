#pragma once
// Per-test databases for the storage and integration tests.
//
//   rsolv::test::TemporaryPostgresDatabase pg;   // CREATE DATABASE rsolv_t_<pid>_<n>_<random> on the test cluster
//   rsolv::test::TemporarySqliteDatabase lite;   // a new directory under the temp dir, holding rsolv.db once opened
//   open_storage(pg.url()); open_storage(lite.url());
//
// The PostgreSQL cluster comes from RSOLV_TEST_DATABASE_URL (scripts/test.sh starts one with scripts/pg-test-cluster.sh
// and exports it). Both objects remove what they made in their destructors.

#include <filesystem>
#include <string>

namespace rsolv::test {

/// Name of the variable holding the URL of the PostgreSQL test cluster's admin database.
inline constexpr const char* kTestDatabaseUrlVariable = "RSOLV_TEST_DATABASE_URL";

/// Replaces the database name (the last path segment) in a postgresql:// or postgres:// URL, keeping any query
/// string, e.g. ("postgresql://u@h:5/a?sslmode=disable", "b") -> "postgresql://u@h:5/b?sslmode=disable".
std::string replace_database_in_url(const std::string& url, const std::string& database);

/// Creates a fresh database on the cluster in RSOLV_TEST_DATABASE_URL (named rsolv_t_<pid>_<counter>_<random>),
/// and drops it (WITH (FORCE)) in the destructor. Fails the test with a clear message if the variable is unset
/// (the constructor throws std::runtime_error, which GoogleTest reports as a failure of the test).
class TemporaryPostgresDatabase {
public:
    TemporaryPostgresDatabase();
    ~TemporaryPostgresDatabase();
    TemporaryPostgresDatabase(const TemporaryPostgresDatabase&) = delete;
    TemporaryPostgresDatabase& operator=(const TemporaryPostgresDatabase&) = delete;

    const std::string& url() const;   ///< postgresql://... URL of the new database
    const std::string& name() const;  ///< the new database's name
    const std::string& admin_url() const;  ///< the cluster URL it was created from

private:
    std::string admin_url_;
    std::string name_;
    std::string url_;
};

/// A fresh SQLite file in a temporary directory, removed in the destructor; url() is "sqlite:/tmp/.../rsolv.db".
/// The directory exists; the file itself is created by whoever opens it first.
class TemporarySqliteDatabase {
public:
    TemporarySqliteDatabase();
    ~TemporarySqliteDatabase();
    TemporarySqliteDatabase(const TemporarySqliteDatabase&) = delete;
    TemporarySqliteDatabase& operator=(const TemporarySqliteDatabase&) = delete;

    const std::string& url() const;
    const std::filesystem::path& path() const;  ///< the database file
    const std::filesystem::path& directory() const;

private:
    std::filesystem::path directory_;
    std::filesystem::path path_;
    std::string url_;
};

}  // namespace rsolv::test
