#include "support/pg_database.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <filesystem>
#include <fstream>
#include <optional>

namespace rsolv::test {
namespace {

bool database_exists(const std::string& admin_url, const std::string& name) {
    pqxx::connection conn{admin_url};
    pqxx::nontransaction tx{conn};
    return tx.exec1("SELECT count(*) FROM pg_database WHERE datname = " + tx.quote(name))[0].as<int>() == 1;
}

TEST(TemporaryPostgresDatabase, CreatesDistinctDatabasesAndDropsThem) {
    std::string admin, first_name, second_name;
    {
        TemporaryPostgresDatabase first;
        TemporaryPostgresDatabase second;
        admin = first.admin_url();
        first_name = first.name();
        second_name = second.name();
        EXPECT_NE(first.name(), second.name());
        EXPECT_NE(first.url(), second.url());
        EXPECT_EQ(first.name().rfind("rsolv_t_", 0), 0u) << first.name();

        pqxx::connection a{first.url()};
        pqxx::connection b{second.url()};
        pqxx::work ta{a};
        pqxx::work tb{b};
        EXPECT_EQ(ta.exec1("SELECT current_database()")[0].as<std::string>(), first.name());
        EXPECT_EQ(tb.exec1("SELECT current_database()")[0].as<std::string>(), second.name());

        // Each is empty and independent: a table made in one is not in the other.
        ta.exec0("CREATE TABLE only_in_first (id integer)");
        ta.commit();
        EXPECT_EQ(tb.exec1("SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_first'")[0].as<int>(), 0);
        tb.commit();

        EXPECT_TRUE(database_exists(admin, first_name));
        EXPECT_TRUE(database_exists(admin, second_name));
        // The connections a and b stay open: the destructors must drop the databases anyway (WITH (FORCE)).
    }
    EXPECT_FALSE(database_exists(admin, first_name));
    EXPECT_FALSE(database_exists(admin, second_name));
}

TEST(TemporaryPostgresDatabase, ReplacesOnlyTheDatabaseInTheUrl) {
    EXPECT_EQ(replace_database_in_url("postgresql://postgres@127.0.0.1:5432/rsolv_test", "x"),
              "postgresql://postgres@127.0.0.1:5432/x");
    EXPECT_EQ(replace_database_in_url("postgresql://u:p@h:1/db?sslmode=disable&connect_timeout=5", "x"),
              "postgresql://u:p@h:1/x?sslmode=disable&connect_timeout=5");
    EXPECT_EQ(replace_database_in_url("postgres://h:1", "x"), "postgres://h:1/x");
    EXPECT_EQ(replace_database_in_url("postgresql://h?sslmode=disable", "x"), "postgresql://h/x?sslmode=disable");
    EXPECT_EQ(replace_database_in_url("postgresql:///db?host=/tmp", "x"), "postgresql:///x?host=/tmp");
}

TEST(TemporarySqliteDatabase, GivesAFreshPathAndRemovesIt) {
    std::filesystem::path dir;
    {
        TemporarySqliteDatabase first;
        TemporarySqliteDatabase second;
        EXPECT_NE(first.url(), second.url());
        EXPECT_EQ(first.url(), "sqlite:" + first.path().string());
        EXPECT_EQ(first.path().filename(), "rsolv.db");
        EXPECT_FALSE(std::filesystem::exists(first.path()));
        dir = first.directory();
        std::ofstream{first.path()} << "x";
        std::ofstream{first.path().string() + "-wal"} << "x";
    }
    EXPECT_FALSE(std::filesystem::exists(dir));
}

}  // namespace
}  // namespace rsolv::test
