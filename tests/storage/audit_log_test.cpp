// Issue 12, the audit log is append-only (rules.md #11): its repository's SQL holds no UPDATE or DELETE, and no other
// statement anywhere in src/ updates or deletes audit_log. Appending and listing with filters on both backends.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "storage/audit_repository.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& ch : out) ch = char(std::toupper(static_cast<unsigned char>(ch)));
    return out;
}

TEST(AuditLogSql, TheRepositoryOnlyInsertsAndSelects) {
    const auto statements = storage::AuditRepository::statements();
    ASSERT_GE(statements.size(), 2u);
    for (const auto& q : statements) {
        for (const auto text : {q.postgres, q.sqlite}) {
            if (text.empty()) continue;  // the SQLite text is derived from the PostgreSQL one
            const std::string sql = upper(text);
            SCOPED_TRACE(std::string(text));
            EXPECT_TRUE(sql.rfind("INSERT INTO AUDIT_LOG", 0) == 0 || sql.rfind("SELECT", 0) == 0);
            for (const char* word : {"UPDATE", "DELETE", "TRUNCATE", "DROP", "ALTER", "REPLACE", "ON CONFLICT"})
                EXPECT_EQ(sql.find(word), std::string::npos) << word;
        }
    }
}

TEST(AuditLogSql, NoSourceFileUpdatesOrDeletesAuditRows) {
    const std::regex forbidden(R"((UPDATE\s+audit_log|DELETE\s+FROM\s+audit_log|TRUNCATE\s+(TABLE\s+)?audit_log))",
                               std::regex::icase);
    int files = 0;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(std::filesystem::path(RSOLV_SOURCE_DIR) / "src")) {
        if (!entry.is_regular_file()) continue;
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        EXPECT_FALSE(std::regex_search(text.str(), forbidden)) << entry.path();
        ++files;
    }
    EXPECT_GT(files, 50);
}

class AuditLogStorage : public ::testing::TestWithParam<Backend> {
protected:
    TestDatabase database_{GetParam()};
    std::unique_ptr<storage::Database> db_ = database_.open();

    void append(const std::string& actor, const std::string& action, std::optional<std::int64_t> customer,
                Timestamp at) {
        storage::inTransaction(*db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
            storage::AuditRepository(tx).append({0, at, actor, "192.0.2.1", action, "customer", "7", customer,
                                                  "because", "{\"a\":1}", "{\"a\":2}"});
        });
    }
    std::vector<storage::AuditEntry> list(const storage::AuditFilter& f) {
        return storage::inTransaction(*db_, storage::TxMode::Read,
                                      [&](storage::Transaction& tx) { return storage::AuditRepository(tx).list(f); });
    }
};

TEST_P(AuditLogStorage, AppendsAndFiltersNewestFirst) {
    const Timestamp t0 = testEpoch();
    append("operator:a@rsolv.test", "credits.grant", 7, t0);
    append("cli:root", "customer.suspend", 7, t0 + std::chrono::hours(24));
    append("operator:a@rsolv.test", "operator.add", std::nullopt, t0 + std::chrono::hours(48));

    const auto all = list({});
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].action, "operator.add");
    EXPECT_EQ(all[2].before_json, "{\"a\":1}");
    EXPECT_EQ(all[2].ip, "192.0.2.1");
    EXPECT_EQ(all[2].customer_id, std::optional<std::int64_t>(7));
    EXPECT_FALSE(all[0].customer_id.has_value());

    storage::AuditFilter by_customer;
    by_customer.customer_id = 7;
    EXPECT_EQ(list(by_customer).size(), 2u);
    storage::AuditFilter by_actor;
    by_actor.actor = "cli:root";
    ASSERT_EQ(list(by_actor).size(), 1u);
    EXPECT_EQ(list(by_actor)[0].action, "customer.suspend");
    storage::AuditFilter by_action;
    by_action.action = "credits.grant";
    EXPECT_EQ(list(by_action).size(), 1u);
    storage::AuditFilter since;
    since.since = t0 + std::chrono::hours(1);
    EXPECT_EQ(list(since).size(), 2u);
    storage::AuditFilter page;
    page.limit = 2;
    const auto first = list(page);
    ASSERT_EQ(first.size(), 2u);
    page.before_id = first.back().id;
    const auto second = list(page);
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(second[0].action, "credits.grant");
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditLogStorage, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
