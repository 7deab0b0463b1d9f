// Issue 12, the overrides: each one's effect and its audit row (who, from where, what, on what, why, before and
// after), from the console and from the command line; neither without the other (the audit write fails after the
// change: the change is rolled back); a reason is required; the operator never sees a sign-in link.

#include "integration/admin_test_helpers.h"

namespace rsolv::test {
namespace {

class AdminOverrides : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig()};

    std::string page(const Customer& c) { return "/admin/customers/" + std::to_string(c.id); }
    HttpResponse apply(Operator& op, const Customer& c, const std::string& action,
                          std::map<std::string, std::string> fields) {
        return operatorPost(op, page(c), page(c) + "/" + action, std::move(fields));
    }
};

TEST_P(AdminOverrides, GrantCreditsRaisesTheLimitAndIsAudited) {
    Customer c = signUpCustomer(app_, "grant@example.com");
    Operator op = signInOperator(app_, "ops@example.net", "admin");
    const auto r = apply(op, c, "credits", {{"credits", "15"}, {"reason", "beta customer, ticket 42"}});
    ASSERT_EQ(r.status, 303) << r.body.substr(0, 300);
    EXPECT_EQ(customerById(app_, c.id).trial_fixes_limit, 25);
    const auto rows = auditRows(app_, "action = 'credits.grant'");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0], "operator:ops@example.net|credits.grant|customer:" + std::to_string(c.id) + "|" +
                           std::to_string(c.id) +
                           "|beta customer, ticket 42|{\"trial_fixes_limit\":10,\"trial_fixes_used\":0}"
                           "|{\"trial_fixes_limit\":25,\"trial_fixes_used\":0}");
    EXPECT_EQ(querySql(app_, "SELECT ip FROM audit_log WHERE action = 'credits.grant'").front().str("ip"), "127.0.0.1")
        << "from where";
    // The customer's page shows the new limit and the entry.
    const auto shown = follow(app_, op.browser, r);
    EXPECT_TRUE(contains(shown.body, "0 / 25 fixes used")) << shown.body;
    EXPECT_TRUE(contains(shown.body, "beta customer, ticket 42"));
    // The page says what the change did, once.
    EXPECT_TRUE(contains(shown.body, "Granted 15 credits: the limit is now 25.")) << shown.body;
    EXPECT_FALSE(contains(op.browser.get(page(c)).body, "Granted 15 credits")) << "the notice showed twice";
    // The customer can use them through the API.
    EXPECT_EQ(jsonBody(apiCall(app_, "GET", "/api/v1/account", c.key)).value("trial_fixes_remaining", 0), 25);
}

TEST_P(AdminOverrides, EveryChangeNeedsAReason) {
    Customer c = signUpCustomer(app_, "reason@example.com");
    Operator op = signInOperator(app_, "ops@example.net", "admin");
    const auto before = databaseSnapshot(app_);
    for (const char* action : {"credits", "reset-usage", "suspend", "end-sessions", "send-sign-in-link",
                               "resend-welcome"}) {
        const auto r = apply(op, c, action, {{"credits", "3"}, {"reason", "   "}});
        EXPECT_EQ(r.status, 422) << action << ": " << r.body.substr(0, 300);
        EXPECT_TRUE(contains(r.body, "reason")) << action;
    }
    EXPECT_EQ(snapshotDiff(before, databaseSnapshot(app_)), "");
}

TEST_P(AdminOverrides, SuspendReactivateEndSessionsResetAndRevokeAreEachAudited) {
    Customer c = signUpCustomer(app_, "many@example.com");
    Operator op = signInOperator(app_, "ops@example.net", "admin");
    startFixAttempt(app_, c.key, "octo/app");
    ASSERT_EQ(customerById(app_, c.id).trial_fixes_used, 1);

    ASSERT_EQ(apply(op, c, "reset-usage", {{"reason", "bad run"}}).status, 303);
    EXPECT_EQ(customerById(app_, c.id).trial_fixes_used, 0);

    ASSERT_EQ(apply(op, c, "end-sessions", {{"reason", "lost laptop"}}).status, 303);
    EXPECT_EQ(sessionCount(app_, c.id), 0);
    expectRedirectToLogin(app_, c.browser.get("/dashboard/keys"), "/dashboard/keys");

    ASSERT_EQ(apply(op, c, "suspend", {{"reason", "abuse report"}}).status, 303);
    EXPECT_EQ(customerById(app_, c.id).status, "suspended");
    EXPECT_EQ(apiCall(app_, "GET", "/api/v1/account", c.key).status, 403);
    EXPECT_EQ(apply(op, c, "suspend", {{"reason", "again"}}).status, 422) << "already suspended";
    ASSERT_EQ(apply(op, c, "reactivate", {{"reason", "resolved"}}).status, 303);
    EXPECT_EQ(customerById(app_, c.id).status, "active");

    const auto key_id = querySql(app_, "SELECT id FROM api_keys WHERE customer_id = $1", {c.id}).front().i64("id");
    ASSERT_EQ(apply(op, c, "revoke-key", {{"key_id", std::to_string(key_id)}, {"reason", "leaked in a log"}}).status,
              303);
    EXPECT_EQ(apiCall(app_, "GET", "/api/v1/account", c.key).status, 401);

    std::vector<std::string> actions;
    for (const auto& row : auditRows(app_, "customer_id = " + std::to_string(c.id)))
        actions.push_back(row.substr(row.find('|') + 1, row.find('|', row.find('|') + 1) - row.find('|') - 1));
    EXPECT_EQ(actions, (std::vector<std::string>{"credits.reset_usage", "sessions.end_all", "customer.suspend",
                                                 "customer.reactivate", "key.revoke"}));
    const auto revoke = auditRows(app_, "action = 'key.revoke'");
    ASSERT_EQ(revoke.size(), 1u);
    EXPECT_TRUE(contains(revoke[0], "api_key:" + std::to_string(key_id))) << revoke[0];
    EXPECT_TRUE(contains(revoke[0], "leaked in a log"));
}

TEST_P(AdminOverrides, ASignInLinkGoesToTheCustomerAndNeverToTheOperator) {
    Customer c = signUpCustomer(app_, "locked-out@example.com");
    Operator op = signInOperator(app_, "ops@example.net", "admin");
    drainJobs(app_);
    const auto r = apply(op, c, "send-sign-in-link", {{"reason", "customer called support"}});
    ASSERT_EQ(r.status, 303);
    const auto shown = follow(app_, op.browser, r);
    EXPECT_FALSE(contains(shown.body, "/signin/")) << "the operator never sees the link";
    drainJobs(app_);
    const std::string link = latestSignInLink(app_, c.email);
    ASSERT_FALSE(link.empty());
    HttpClient customer_browser(app_.port(), app_.publicUrl());
    EXPECT_EQ(redeemSignInLink(customer_browser, link).status, 303);
    EXPECT_EQ(auditRows(app_, "action = 'customer.send_sign_in_link'").size(), 1u);
    EXPECT_EQ(emailsTo(app_, op.email, kSignInSubject).size(), 0u);
}

TEST_P(AdminOverrides, ResendWelcomeSendsANewWelcomeEmail) {
    Customer c = signUpCustomer(app_, "welcome-again@example.com");
    Operator op = signInOperator(app_, "ops@example.net", "admin");
    drainJobs(app_);
    const size_t before = emailsTo(app_, c.email, "Welcome to RSOLV").size();
    ASSERT_EQ(apply(op, c, "resend-welcome", {{"reason", "lost in spam"}}).status, 303);
    drainJobs(app_);
    EXPECT_EQ(emailsTo(app_, c.email, "Welcome to RSOLV").size(), before + 1);
    EXPECT_EQ(auditRows(app_, "action = 'customer.resend_welcome'").size(), 1u);
}

TEST_P(AdminOverrides, NeitherTheChangeNorItsAuditRowWithoutTheOther) {
    Customer c = signUpCustomer(app_, "atomic@example.com");
    Operator op = signInOperator(app_, "ops@example.net", "admin");
    const std::string token = csrfOf(op.browser.get(page(c)).body);
    // The audit write fails after the change was made in the same transaction: both must be gone.
    // (A constraint on PostgreSQL, a trigger on SQLite: the table and the statements cached on it stay as they are.)
    const bool pg = app_.db().dialect() == storage::Dialect::Postgres;
    querySql(app_,
             pg ? "ALTER TABLE audit_log ADD CONSTRAINT audit_injected_failure CHECK (false) NOT VALID"
                : "CREATE TRIGGER audit_injected_failure BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'injected'); END",
             {}, storage::TxMode::Write);
    const auto before = databaseSnapshot(app_);
    for (const auto& [action, fields] :
         std::vector<std::pair<std::string, std::map<std::string, std::string>>>{
             {"credits", {{"credits", "5"}}}, {"suspend", {}}, {"end-sessions", {}}, {"reset-usage", {}},
             {"send-sign-in-link", {}}, {"resend-welcome", {}}}) {
        auto form = fields;
        form["reason"] = "injected failure";
        form["csrf_token"] = token;
        const auto r = op.browser.postForm(page(c) + "/" + action, form);
        EXPECT_EQ(r.status, 500) << action << ": " << r.body.substr(0, 300);
    }
    EXPECT_EQ(snapshotDiff(before, databaseSnapshot(app_)), "") << "a change survived without its audit row";
    querySql(app_, pg ? "ALTER TABLE audit_log DROP CONSTRAINT audit_injected_failure" : "DROP TRIGGER audit_injected_failure",
             {}, storage::TxMode::Write);
    EXPECT_EQ(customerById(app_, c.id).trial_fixes_limit, 10);
    EXPECT_EQ(customerById(app_, c.id).status, "active");
    EXPECT_GE(sessionCount(app_, c.id), 1);
    EXPECT_EQ(app_.count("audit_log", "customer_id IS NOT NULL"), 0);
    // With the audit log writable again, the same change goes through with its row.
    EXPECT_EQ(apply(op, c, "credits", {{"credits", "5"}, {"reason", "after the failure"}}).status, 303);
    EXPECT_EQ(customerById(app_, c.id).trial_fixes_limit, 15);
    EXPECT_EQ(app_.count("audit_log", "customer_id IS NOT NULL"), 1);
}

TEST_P(AdminOverrides, TheCommandLineDoesTheSameAndIsAuditedAsCli) {
    Customer c = signUpCustomer(app_, "cli@example.com");
    const auto grant = runAdminCli(app_, {"credits", "grant", c.email, "5", "--reason", "from a script"});
    EXPECT_EQ(grant.status, 0) << grant.out << grant.err;
    EXPECT_EQ(customerById(app_, c.id).trial_fixes_limit, 15);
    const auto rows = auditRows(app_, "action = 'credits.grant'");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].substr(0, rows[0].find('|')), "cli:tester");

    const auto no_reason = runAdminCli(app_, {"suspend", c.email});
    EXPECT_NE(no_reason.status, 0) << "--reason is the command line's confirmation";
    EXPECT_EQ(customerById(app_, c.id).status, "active");

    const auto suspend = runAdminCli(app_, {"suspend", c.email, "--reason", "abuse", "--json"});
    EXPECT_EQ(suspend.status, 0) << suspend.err;
    EXPECT_EQ(nlohmann::json::parse(suspend.out).value("ok", false), true) << suspend.out;
    EXPECT_EQ(customerById(app_, c.id).status, "suspended");
    const auto again = runAdminCli(app_, {"suspend", c.email, "--reason", "abuse"});
    EXPECT_NE(again.status, 0);
    EXPECT_TRUE(contains(again.err, "already suspended")) << again.err;

    const auto unknown = runAdminCli(app_, {"credits", "grant", "nobody@example.com", "5", "--reason", "x"});
    EXPECT_NE(unknown.status, 0);
    EXPECT_TRUE(contains(unknown.err, "no customer")) << unknown.err;

    const auto display = querySql(app_, "SELECT display_id FROM api_keys WHERE customer_id = $1", {c.id})
                             .front()
                             .str("display_id");
    const auto revoke = runAdminCli(app_, {"keys", "revoke", c.email, display, "--reason", "rotated"});
    EXPECT_EQ(revoke.status, 0) << revoke.err;
    EXPECT_EQ(app_.count("api_keys", "revoked_at IS NOT NULL"), 1);

    const auto audit = runAdminCli(app_, {"audit", "--customer", c.email, "--json"});
    EXPECT_EQ(audit.status, 0) << audit.err;
    const auto entries = nlohmann::json::parse(audit.out).at("entries");
    EXPECT_EQ(entries.size(), 3u) << audit.out;

    const auto list = runAdminCli(app_, {"customers", "list", "--query", "cli@", "--json"});
    EXPECT_EQ(list.status, 0);
    EXPECT_EQ(nlohmann::json::parse(list.out).at("customers").size(), 1u) << list.out;
}

TEST_P(AdminOverrides, TheFirstOperatorIsAddedFromTheCommandLine) {
    const auto add = runAdminCli(app_, {"operators", "add", "first@example.net", "--role", "admin"});
    EXPECT_EQ(add.status, 0) << add.err;
    EXPECT_EQ(app_.count("operators", "role = 'admin'"), 1);
    const auto twice = runAdminCli(app_, {"operators", "add", "FIRST@example.net", "--role", "admin"});
    EXPECT_NE(twice.status, 0);
    const auto bad = runAdminCli(app_, {"operators", "add", "second@example.net", "--role", "root"});
    EXPECT_NE(bad.status, 0);
    EXPECT_FALSE(freshOperatorLink(app_, "first@example.net").empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, AdminOverrides, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
