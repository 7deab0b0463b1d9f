// Issue 12, erasing a customer: afterwards a dump of the whole database (every row of every table, as text) holds
// none of its personal data (email, name, company, IP address, user agent), its keys and sessions are gone, and its
// events and fix attempts are still there, anonymised. Admins only, typing the email to confirm.

#include "integration/admin_test_helpers.h"

namespace rsolv::test {
namespace {

constexpr const char* kIp = "198.51.100.77";
constexpr const char* kUserAgent = "ErasableBrowser/9.9 (Personal Laptop of Zed)";

class AdminErase : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig([](app::Config& c) { c.trusted_proxies = {"127.0.0.1/32", "::1/128"}; })};

    std::string dump() {
        std::string out;
        for (const auto& [table, rows] : databaseSnapshot(app_))
            for (const auto& row : rows) out += table + ": " + row + "\n";
        return out;
    }

    /// SQLite: whether the search index (FTS5 over customers, migration 0012) holds exactly what an index built afresh
    /// from today's customers holds. Its leaf pages keep every trigram and position of a customer's former email,
    /// name and company after a row changes (FTS5 only records the deletion) until the segments are merged; the dump
    /// above shows those pages as blobs, not as text, so it cannot see them. PostgreSQL: nothing to compare (the
    /// pg_trgm index is read through the table; dead entries leave at the next vacuum).
    bool searchIndexHoldsOnlyTodaysCustomers() {
        if (app_.db().dialect() != storage::Dialect::Sqlite) return true;
        const auto leaves = [&](const std::string& table) {
            return querySql(app_, "SELECT group_concat(hex(block), '') AS pages FROM (SELECT block FROM " + table +
                                      "_data WHERE id > 10 ORDER BY id)")
                .front()
                .str("pages");
        };
        querySql(app_,
                 "CREATE VIRTUAL TABLE fresh_search USING fts5(email, name, company, content = 'customers', "
                 "content_rowid = 'id', tokenize = 'trigram')",
                 {}, storage::TxMode::Write);
        querySql(app_, "INSERT INTO fresh_search (fresh_search) VALUES ('rebuild')", {}, storage::TxMode::Write);
        querySql(app_, "INSERT INTO fresh_search (fresh_search) VALUES ('optimize')", {}, storage::TxMode::Write);
        const bool same = leaves("customer_search") == leaves("fresh_search");
        querySql(app_, "DROP TABLE fresh_search", {}, storage::TxMode::Write);
        return same;
    }
};

TEST_P(AdminErase, NoPersonalDataIsLeftAnywhereInTheDatabase) {
    // A customer who signed up from a known address and browser, used the API, signed in again and changed nothing.
    HttpClient browser(app_.port(), app_.publicUrl());
    const std::map<std::string, std::string> from{{"X-Forwarded-For", kIp}, {"User-Agent", kUserAgent}};
    ASSERT_EQ(browser.signup("Zed.Erasable+tag@Example.com", "Zedediah Erasable", "Erasable Widgets GmbH", from).status,
              303);
    const std::string key = findApiKey(browser.get("/welcome", from).body);
    const auto id = customerByEmail(app_, "zed.erasable+tag@example.com").id;
    startFixAttempt(app_, key, "erasable-widgets/secret-repo");
    drainJobs(app_);
    HttpClient laptop(app_.port(), app_.publicUrl());
    const auto page = laptop.get("/login", from);
    laptop.postForm("/login", {{"csrf_token", csrfOf(page.body)}, {"email", "Zed.Erasable+tag@Example.com"}}, from);
    Customer other = signUpCustomer(app_, "keeper@example.com", "Keeper Kept", "Kept Co");
    Operator op = signInOperator(app_, "ops@example.net", "admin");
    const std::string before = dump();
    for (const char* personal : {"zed.erasable", "Zedediah", "Erasable Widgets", kIp, "ErasableBrowser",
                                 "erasable-widgets/secret-repo"})
        ASSERT_NE(before.find(personal), std::string::npos) << personal << " was never stored: the test proves nothing";

    // A wrong confirmation and a viewer change nothing.
    const std::string detail = "/admin/customers/" + std::to_string(id);
    EXPECT_EQ(operatorPost(op, detail, detail + "/erase", {{"confirm_email", "keeper@example.com"}, {"reason", "gdpr"}}).status,
              422);
    EXPECT_EQ(dump(), before);

    const auto r = operatorPost(op, detail, detail + "/erase",
                                {{"confirm_email", "zed.erasable+tag@example.com"}, {"reason", "GDPR request #7"}});
    ASSERT_EQ(r.status, 303) << r.body.substr(0, 300);
    const std::string after = dump();
    for (const char* personal : {"zed.erasable", "Zed.Erasable", "Zedediah", "Erasable Widgets", kIp,
                                 "ErasableBrowser", "erasable-widgets/secret-repo"})
        EXPECT_EQ(after.find(personal), std::string::npos) << personal << " survived the erasure:\n" << after;
    EXPECT_TRUE(searchIndexHoldsOnlyTodaysCustomers()) << "the search index still holds the erased customer's text";

    EXPECT_EQ(app_.count("api_keys", "customer_id = " + std::to_string(id)), 0);
    EXPECT_EQ(sessionCount(app_, id), 0);
    EXPECT_EQ(app_.count("sign_in_tokens", "customer_id = " + std::to_string(id)), 0);
    EXPECT_GT(app_.count("provisioning_events", "customer_id = " + std::to_string(id)), 0) << "events stay, anonymised";
    EXPECT_EQ(app_.count("fix_attempts", "customer_id = " + std::to_string(id)), 1) << "attempts stay, anonymised";
    EXPECT_EQ(apiCall(app_, "GET", "/api/v1/account", key).status, 401);
    EXPECT_EQ(auditRows(app_, "action = 'customer.erase'").size(), 1u);
    // The other customer is untouched.
    EXPECT_NE(after.find("Keeper Kept"), std::string::npos);
    EXPECT_EQ(apiCall(app_, "GET", "/api/v1/account", other.key).status, 200);
    // The address can sign up again as a new customer.
    HttpClient again(app_.port(), app_.publicUrl());
    EXPECT_EQ(again.signup("zed.erasable+tag@example.com", "Zed Again").status, 303);
}

TEST_P(AdminErase, TheCommandLineErasesWithTheEmailAsConfirmation) {
    Customer c = signUpCustomer(app_, "cli-erase@example.com", "Cli Erasable", "Cli Co");
    const auto no_reason = runAdminCli(app_, {"erase", c.email});
    EXPECT_NE(no_reason.status, 0);
    const auto r = runAdminCli(app_, {"erase", c.email, "--reason", "customer asked", "--json"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(dump().find("cli-erase@example.com"), std::string::npos);
    EXPECT_EQ(dump().find("Cli Erasable"), std::string::npos);
}

TEST_P(AdminErase, TheAddressLeavesTheWaitlistAndItsInvitationsToo) {
    // A beta customer's path: on the waitlist in invite mode, approved (an emailed link), invited by address, signed up.
    const auto cli = [&](std::vector<std::string> words) {
        const auto r = runAdminCli(app_, std::move(words));
        ASSERT_EQ(r.status, 0) << r.out << r.err;
    };
    cli({"signup-mode", "invite", "--reason", "beta"});
    app_.clock().advance(std::chrono::seconds(3));
    HttpClient waiting(app_.port(), app_.publicUrl());
    ASSERT_EQ(waiting.signup("Wanda.Waiting@Example.com", "Wanda Waitlisted", "Waiting Works").status, 200);
    ASSERT_EQ(app_.count("waitlist"), 1);
    cli({"waitlist", "approve", "wanda.waiting@example.com", "--reason", "next in line"});
    cli({"invite", "Wanda.Waiting@Example.com", "--reason", "design partner"});
    drainJobs(app_);
    HttpClient invited(app_.port(), app_.publicUrl());
    ASSERT_EQ(invited.signup("Wanda.Waiting@Example.com", "Wanda Waitlisted", "Waiting Works").status, 303);
    const std::string before = dump();
    ASSERT_NE(before.find("wanda.waiting@example.com"), std::string::npos);
    ASSERT_GT(app_.count("invitations"), 0) << "the test proves nothing without an invitation";

    cli({"erase", "wanda.waiting@example.com", "--reason", "GDPR request #8"});

    EXPECT_EQ(app_.count("waitlist"), 0);
    EXPECT_EQ(app_.count("invitations", "kind IN ('email', 'link')"), 0);
    const std::string after = dump();
    for (const char* personal : {"wanda.waiting", "Wanda.Waiting", "Wanda Waitlisted", "Waiting Works"})
        EXPECT_EQ(after.find(personal), std::string::npos) << personal << " survived the erasure:\n" << after;
}

INSTANTIATE_TEST_SUITE_P(Backends, AdminErase, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
