// Issue 12, the last two overrides: mark a customer's email verified, and provision a customer by hand (the RFC's
// manual fallback). Each from the console and the command line, each with its audit row, neither without the other;
// the operator never sees the new customer's key.

#include "app/provision_cli.h"
#include "integration/admin_test_helpers.h"

namespace rsolv::test {
namespace {

class AdminProvisionVerify : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig()};

    std::string page(std::int64_t id) { return "/admin/customers/" + std::to_string(id); }
    bool verified(std::int64_t id) {
        return app_.count("customers", "id = " + std::to_string(id) + " AND email_verified_at IS NOT NULL") == 1;
    }
    void injectAuditFailure(bool on) {
        const bool pg = app_.db().dialect() == storage::Dialect::Postgres;
        querySql(app_,
                 on ? (pg ? "ALTER TABLE audit_log ADD CONSTRAINT audit_injected_failure CHECK (false) NOT VALID"
                          : "CREATE TRIGGER audit_injected_failure BEFORE INSERT ON audit_log BEGIN SELECT "
                            "RAISE(ABORT, 'injected'); END")
                    : (pg ? "ALTER TABLE audit_log DROP CONSTRAINT audit_injected_failure"
                          : "DROP TRIGGER audit_injected_failure"),
                 {}, storage::TxMode::Write);
    }
};

TEST_P(AdminProvisionVerify, AnOperatorMarksTheEmailVerified) {
    Customer c = signUpCustomer(app_, "unproved@example.com");
    ASSERT_FALSE(verified(c.id));
    Operator op = signInOperator(app_, "ops@example.net", "admin");
    EXPECT_TRUE(contains(op.browser.get(page(c.id)).body, "Mark the email verified"));
    const auto r = operatorPost(op, page(c.id), page(c.id) + "/verify-email", {{"reason", "confirmed by phone"}});
    ASSERT_EQ(r.status, 303) << r.body.substr(0, 300);
    EXPECT_TRUE(verified(c.id));
    EXPECT_EQ(sessionCount(app_, c.id), 1) << "the customer stays signed in";
    EXPECT_EQ(auditRows(app_, "action = 'customer.verify_email'"),
              std::vector<std::string>{"operator:ops@example.net|customer.verify_email|customer:" +
                                       std::to_string(c.id) + "|" + std::to_string(c.id) +
                                       "|confirmed by phone|{\"email_verified\":false}|{\"email_verified\":true}"});
    const auto shown = follow(app_, op.browser, r);
    EXPECT_FALSE(contains(shown.body, "Mark the email verified"));
    EXPECT_EQ(operatorPost(op, page(c.id), page(c.id) + "/verify-email", {{"reason", "again"}}).status, 422);

    Customer other = signUpCustomer(app_, "unproved-cli@example.com");
    EXPECT_NE(runAdminCli(app_, {"verify", other.email}).status, 0) << "--reason is required";
    const auto cli = runAdminCli(app_, {"verify", other.email, "--reason", "ticket 7"});
    EXPECT_EQ(cli.status, 0) << cli.err;
    EXPECT_TRUE(verified(other.id));
    EXPECT_EQ(auditRows(app_, "action = 'customer.verify_email' AND actor = 'cli:tester'").size(), 1u);
}

TEST_P(AdminProvisionVerify, AnOperatorProvisionsACustomerByHandWithoutSeeingAKey) {
    Operator op = signInOperator(app_, "ops@example.net", "admin");
    // Even while signups are closed: the operator is the one letting the customer in.
    ASSERT_EQ(runAdminCli(app_, {"signup-mode", "closed", "--reason", "private"}).status, 0);
    const auto r = operatorPost(op, "/admin/customers", "/admin/customers",
                                {{"email", "manual@example.com"}, {"name", "Manny Manual"}, {"company", "Hand Co"},
                                 {"reason", "signup kept failing for them"}});
    ASSERT_EQ(r.status, 303) << r.body.substr(0, 500);
    const auto c = customerByEmail(app_, "manual@example.com");
    EXPECT_EQ(pathOf(locationOf(app_, r)), page(c.id));
    EXPECT_EQ(app_.count("api_keys", "customer_id = " + std::to_string(c.id)), 1);
    EXPECT_EQ(sessionCount(app_, c.id), 0) << "nobody is signed in as the customer";
    const auto shown = follow(app_, op.browser, r);
    EXPECT_EQ(shown.status, 200);
    EXPECT_EQ(findApiKey(shown.body), "") << "the operator never sees the key";
    drainJobs(app_);
    EXPECT_EQ(emailsTo(app_, "manual@example.com", "Welcome to RSOLV").size(), 1u) << "the welcome email goes out";
    EXPECT_EQ(auditRows(app_, "action = 'customer.provision'"),
              std::vector<std::string>{"operator:ops@example.net|customer.provision|customer:" + std::to_string(c.id) +
                                       "|" + std::to_string(c.id) + "|signup kept failing for them|{}|"
                                       "{\"status\":\"active\",\"welcome_email\":\"queued\"}"});
    // An existing address is refused and nobody is emailed about it.
    const size_t emails = outbox(app_).size();
    EXPECT_EQ(operatorPost(op, "/admin/customers", "/admin/customers",
                           {{"email", "manual@example.com"}, {"name", "Again"}, {"reason", "twice"}})
                  .status,
              422);
    EXPECT_EQ(operatorPost(op, "/admin/customers", "/admin/customers",
                           {{"email", "someone@mailinator.com"}, {"name", "Disposable"}, {"reason", "x"}})
                  .status,
              422);
    drainJobs(app_);
    EXPECT_EQ(outbox(app_).size(), emails);

    const auto cli = runAdminCli(app_, {"provision", "cli-made@example.com", "--name", "Cli Made", "--reason", "fallback"});
    EXPECT_EQ(cli.status, 0) << cli.err;
    EXPECT_EQ(findApiKey(cli.out + cli.err), "");
    EXPECT_EQ(customerByEmail(app_, "cli-made@example.com").status, "active");
    EXPECT_EQ(auditRows(app_, "action = 'customer.provision' AND actor = 'cli:tester'").size(), 1u);
    EXPECT_NE(runAdminCli(app_, {"provision", "no-reason@example.com", "--name", "No Reason"}).status, 0);
}

// `rsolv provision` prints the key to the terminal (the bench and scripts use it): it keeps working, and is audited too.
TEST_P(AdminProvisionVerify, TheOlderProvisionCommandIsAuditedAsTheCommandLineUser) {
    std::ostringstream out, err;
    const int status = app::runProvisionCommand({"scripted@example.com", "Scripted", "Bench Co"}, app_.config(),
                                                app_.clock(), "cli:tester", out, err);
    ASSERT_EQ(status, 0) << err.str();
    EXPECT_NE(findApiKey(out.str()), "") << "this command shows the key once";
    const auto c = customerByEmail(app_, "scripted@example.com");
    EXPECT_EQ(auditRows(app_, "action = 'customer.provision'"),
              std::vector<std::string>{"cli:tester|customer.provision|customer:" + std::to_string(c.id) + "|" +
                                       std::to_string(c.id) +
                                       "|rsolv provision (the key was printed to the terminal)|{}|"
                                       "{\"key_shown_to\":\"terminal\",\"status\":\"active\"}"});
    std::ostringstream out2, err2;
    EXPECT_EQ(app::runProvisionCommand({"scripted@example.com", "Again", ""}, app_.config(), app_.clock(),
                                       "cli:tester", out2, err2),
              1);
    EXPECT_NE(err2.str().find("already exists"), std::string::npos) << err2.str();
    EXPECT_EQ(auditRows(app_, "action = 'customer.provision'").size(), 1u) << "a refusal changes nothing";
}

TEST_P(AdminProvisionVerify, NeitherTheChangeNorItsAuditRowWithoutTheOther) {
    Customer c = signUpCustomer(app_, "atomic@example.com");
    Operator op = signInOperator(app_, "ops@example.net", "admin");
    const std::string token = csrfOf(op.browser.get("/admin/customers").body);
    injectAuditFailure(true);
    const auto before = databaseSnapshot(app_);
    EXPECT_EQ(op.browser.postForm(page(c.id) + "/verify-email", {{"csrf_token", token}, {"reason", "x"}}).status, 500);
    EXPECT_EQ(op.browser
                  .postForm("/admin/customers", {{"csrf_token", token},
                                                 {"email", "made@example.com"},
                                                 {"name", "Made"},
                                                 {"reason", "x"}})
                  .status,
              500);
    auto after = databaseSnapshot(app_);
    // A failed provisioning leaves its one "provisioning_failed" event, as any failed signup does.
    after.erase("provisioning_events");
    auto expected = before;
    expected.erase("provisioning_events");
    EXPECT_EQ(snapshotDiff(expected, after), "") << "a change survived without its audit row";
    EXPECT_FALSE(verified(c.id));
    EXPECT_EQ(app_.count("customers", "email_canonical = 'made@example.com'"), 0);
    injectAuditFailure(false);
}

INSTANTIATE_TEST_SUITE_P(Backends, AdminProvisionVerify, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
