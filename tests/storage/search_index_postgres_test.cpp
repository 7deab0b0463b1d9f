// Issue 12, the search index on PostgreSQL (migration 0012): pg_trgm is a trusted extension, so a service whose
// database user owns its database (not a superuser) gets it and its GIN index; a user who may create tables but not
// extensions still migrates, without the index, and search answers the same. PostgreSQL only: this is about
// PostgreSQL's privileges (SQLite's FTS5 is always there; its search semantics are in customer_search_test.cpp on
// both backends).

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "domain/admin/customers.h"
#include "storage/customer_repository.h"
#include "storage/migrations.h"
#include "support/pg_database.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

/// A login role that is not a superuser, dropped at the end (after the databases it owns or uses).
class PlainRole {
public:
    explicit PlainRole(std::string admin_url) : admin_url_(std::move(admin_url)) {
        name_ = "rsolv_plain_" + std::to_string(::getpid()) + "_" + std::to_string(++counter_);
        admin("CREATE ROLE " + name_ + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE");
    }
    ~PlainRole() {
        try {
            admin("DROP ROLE IF EXISTS " + name_);
        } catch (const std::exception&) {
        }
    }
    void admin(const std::string& sql, const std::string& url = "") const {
        pqxx::connection conn{url.empty() ? admin_url_ : url};
        pqxx::nontransaction tx{conn};
        tx.exec0(sql);
    }
    /// The URL of `database_url` with this role as its user.
    std::string urlFor(const std::string& database_url) const {
        const auto at = database_url.find('@');
        return "postgresql://" + name_ + database_url.substr(at);
    }
    const std::string& name() const { return name_; }

private:
    static inline int counter_ = 0;
    std::string admin_url_, name_;
};

bool hasTrigramIndex(const std::string& url) {
    pqxx::connection conn{url};
    pqxx::nontransaction tx{conn};
    return tx.exec1("SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'customers_search_trgm'")[0].as<int>() == 1;
}

void addAda(storage::Database& db) {
    storage::inTransaction(db, storage::TxMode::Write, [](storage::Transaction& tx) {
        storage::NewCustomer c;
        c.email = c.email_canonical = "ada@example.com";
        c.name = "Ada Lovelace";
        c.company = "Analytical Engines";
        storage::CustomerRepository(tx).insert(c, testEpoch());
    });
}

std::vector<std::string> search(storage::Database& db, const std::string& query) {
    storage::CustomerSearch s;
    s.query = query;
    std::vector<std::string> out;
    for (const auto& c : storage::inTransaction(db, storage::TxMode::Read, [&](storage::Transaction& tx) {
             return domain::admin::searchCustomers(tx, s);
         }).customers)
        out.push_back(c.email);
    return out;
}

class SearchIndexOnPostgres : public ::testing::Test {
protected:
    void SetUp() override {
        if (const char* url = std::getenv(kTestDatabaseUrlVariable)) admin_url_ = url;
        ASSERT_FALSE(admin_url_.empty()) << kTestDatabaseUrlVariable << " is not set";
    }
    std::string admin_url_;
};

TEST_F(SearchIndexOnPostgres, TheDatabaseOwnerGetsTheTrigramIndexWithoutBeingASuperuser) {
    PlainRole role(admin_url_);
    TemporaryPostgresDatabase pg;
    role.admin("ALTER DATABASE " + pg.name() + " OWNER TO " + role.name());
    const auto db = storage::openDatabase({role.urlFor(pg.url()), 2, 5000});
    storage::migrate(*db);
    EXPECT_TRUE(hasTrigramIndex(pg.url()));
    addAda(*db);
    EXPECT_EQ(search(*db, "LOVELACE"), std::vector<std::string>{"ada@example.com"});
}

TEST_F(SearchIndexOnPostgres, AUserWhoMayNotCreateExtensionsMigratesWithoutItAndSearchAnswersTheSame) {
    PlainRole role(admin_url_);
    TemporaryPostgresDatabase pg;
    role.admin("REVOKE CREATE ON DATABASE " + pg.name() + " FROM PUBLIC");
    role.admin("GRANT USAGE, CREATE ON SCHEMA public TO " + role.name(), pg.url());
    const auto db = storage::openDatabase({role.urlFor(pg.url()), 2, 5000});
    storage::migrate(*db);
    EXPECT_FALSE(hasTrigramIndex(pg.url()));
    addAda(*db);
    EXPECT_EQ(search(*db, "LOVELACE"), std::vector<std::string>{"ada@example.com"});
    EXPECT_EQ(search(*db, "an"), std::vector<std::string>{"ada@example.com"}) << "1-2 characters: field starts";
}

}  // namespace
}  // namespace rsolv::test
