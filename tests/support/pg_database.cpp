#include "support/pg_database.h"

#include <pqxx/pqxx>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <random>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace rsolv::test {

namespace {

std::string random_hex(std::size_t digits) {
    static thread_local std::mt19937_64 engine{[] {
        std::random_device device;
        return (static_cast<std::uint64_t>(device()) << 32) ^ device() ^
               static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    }()};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < digits; ++i) out += kHex[engine() % 16];
    return out;
}

std::string new_database_name() {
    static std::atomic<unsigned> counter{0};
    return "rsolv_t_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_" + random_hex(8);
}

}  // namespace

std::string replace_database_in_url(const std::string& url, const std::string& database) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) {
        // A keyword=value connection string: a later dbname wins.
        return url + " dbname=" + database;
    }
    const auto authority_start = scheme_end + 3;
    const auto path_start = url.find_first_of("/?#", authority_start);
    if (path_start == std::string::npos) return url + "/" + database;
    const auto rest_start = url.find_first_of("?#", path_start);
    const std::string head = url.substr(0, path_start);
    const std::string rest = rest_start == std::string::npos ? std::string{} : url.substr(rest_start);
    return head + "/" + database + rest;
}

TemporaryPostgresDatabase::TemporaryPostgresDatabase() {
    const char* admin = std::getenv(kTestDatabaseUrlVariable);
    if (admin == nullptr || *admin == '\0') {
        throw std::runtime_error(std::string{kTestDatabaseUrlVariable} +
                                 " is not set: this test needs a PostgreSQL cluster. Run scripts/test.sh, or start one "
                                 "with `scripts/pg-test-cluster.sh start DIR` and export " +
                                 kTestDatabaseUrlVariable + " to the URL it prints.");
    }
    admin_url_ = admin;
    name_ = new_database_name();
    url_ = replace_database_in_url(admin_url_, name_);

    // CREATE DATABASE fails with object_in_use (55006) while anyone is connected to template1: retry briefly.
    for (int attempt = 1;; ++attempt) {
        try {
            pqxx::connection conn{admin_url_};
            pqxx::nontransaction tx{conn};
            tx.exec0("CREATE DATABASE " + conn.quote_name(name_));
            return;
        } catch (const pqxx::sql_error& e) {
            if (e.sqlstate() != "55006" || attempt >= 20) {
                throw std::runtime_error("creating test database " + name_ + " on " + admin_url_ +
                                         " failed: " + e.what());
            }
        } catch (const pqxx::broken_connection& e) {
            throw std::runtime_error("cannot connect to the PostgreSQL test cluster " + admin_url_ + " (" +
                                     kTestDatabaseUrlVariable + "): " + e.what());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
    }
}

TemporaryPostgresDatabase::~TemporaryPostgresDatabase() {
    try {
        pqxx::connection conn{admin_url_};
        pqxx::nontransaction tx{conn};
        tx.exec0("DROP DATABASE IF EXISTS " + conn.quote_name(name_) + " WITH (FORCE)");
    } catch (const std::exception& e) {
        std::cerr << "warning: could not drop test database " << name_ << ": " << e.what() << std::endl;
    }
}

const std::string& TemporaryPostgresDatabase::url() const { return url_; }
const std::string& TemporaryPostgresDatabase::name() const { return name_; }
const std::string& TemporaryPostgresDatabase::admin_url() const { return admin_url_; }

TemporarySqliteDatabase::TemporarySqliteDatabase() {
    std::string pattern = (std::filesystem::temp_directory_path() / "rsolv-sqlite-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    directory_ = pattern;
    path_ = directory_ / "rsolv.db";
    url_ = "sqlite:" + path_.string();
}

TemporarySqliteDatabase::~TemporarySqliteDatabase() {
    std::error_code ec;
    std::filesystem::remove_all(directory_, ec);
    if (ec) std::cerr << "warning: could not remove " << directory_ << ": " << ec.message() << std::endl;
}

const std::string& TemporarySqliteDatabase::url() const { return url_; }
const std::filesystem::path& TemporarySqliteDatabase::path() const { return path_; }
const std::filesystem::path& TemporarySqliteDatabase::directory() const { return directory_; }

}  // namespace rsolv::test
