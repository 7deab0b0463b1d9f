// Issue 5, dashboard sessions: signing out kills the cookie's session on the server, the idle (30 min) and absolute
// (12 h) timeouts, "sign out everywhere", and suspending a customer ending its sessions at once.

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "domain/accounts.h"
#include "integration/dashboard_test_helpers.h"
#include "integration/email_proof_helpers.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;

/// A browser carrying only this session cookie value.
HttpClient browserWithSession(TestApp& app, const std::string& session) {
    HttpClient b(app.port(), app.publicUrl());
    b.cookies()["rsolv_session"] = session;
    return b;
}

class DashboardSessions : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig()};
};

TEST_P(DashboardSessions, SignOutInvalidatesTheOldCookie) {
    Customer c = signUpCustomer(app_, "leaver@example.com");
    skipSetup(app_, c.browser);
    const auto dash = c.browser.get("/dashboard");
    ASSERT_EQ(dash.status, 200);
    EXPECT_TRUE(contains(dash.body, "id=\"logout-form\"")) << "the header has the sign-out form";
    EXPECT_TRUE(contains(dash.body, "Sign out"));
    const std::string old_session = c.browser.cookies().at("rsolv_session");
    ASSERT_EQ(sessionCount(app_, c.id), 1);

    const auto out = c.browser.postForm("/logout", {{"csrf_token", csrfOf(dash.body)}});
    ASSERT_EQ(out.status, 303) << out.body.substr(0, 300);
    EXPECT_EQ(pathOf(locationOf(app_, out)), "/login");
    EXPECT_FALSE(c.browser.cookies().count("rsolv_session")) << "the cookie is cleared (Max-Age=0)";
    EXPECT_EQ(sessionCount(app_, c.id), 0) << "the session row is gone";
    const auto login = follow(app_, c.browser, out);
    EXPECT_EQ(login.status, 200);
    EXPECT_EQ(flashOf(login.body), "You are signed out.");

    // Someone who kept a copy of the cookie gets nothing.
    HttpClient thief = browserWithSession(app_, old_session);
    expectRedirectToLogin(app_, thief.get("/dashboard"), "/dashboard");
    expectRedirectToLogin(app_, c.browser.get("/dashboard"), "/dashboard");
}

TEST_P(DashboardSessions, IdleTimeoutSignsOut) {
    Customer c = signUpCustomer(app_, "idle@example.com");
    ASSERT_EQ(c.browser.get("/dashboard/settings").status, 200);
    app_.clock().advance(31min);
    expectRedirectToLogin(app_, c.browser.get("/dashboard/settings"), "/dashboard/settings");
    // And it does not come back to life.
    expectRedirectToLogin(app_, c.browser.get("/dashboard/keys"), "/dashboard/keys");
}

TEST_P(DashboardSessions, ActivityKeepsTheSessionUntilTheAbsoluteTimeout) {
    Customer c = signUpCustomer(app_, "busy@example.com");  // the session starts now
    // A page every 20 minutes: never idle for 30, alive for 11 h 40 min...
    for (int i = 1; i <= 35; ++i) {
        app_.clock().advance(20min);
        const auto r = c.browser.get("/dashboard/settings");
        ASSERT_EQ(r.status, 200) << "after " << i * 20 << " minutes of activity";
    }
    // ...and ended at 12 hours however busy.
    app_.clock().advance(20min);
    expectRedirectToLogin(app_, c.browser.get("/dashboard/settings"), "/dashboard/settings");
}

TEST_P(DashboardSessions, SignOutEverywhereEndsEverySession) {
    Customer c = signUpCustomer(app_, "everywhere@example.com");
    // issue 9: prove the address first, or the laptop's sign-in (the first proof) would end this browser's session
    confirmEmailOf(app_, c.browser, c.email);
    Customer other = signUpCustomer(app_, "bystander@example.com");
    HttpClient laptop(app_.port(), app_.publicUrl());
    ASSERT_EQ(signInByEmail(app_, laptop, c.email).status, 303);
    ASSERT_EQ(sessionCount(app_, c.id), 2);
    const std::string phone_session = c.browser.cookies().at("rsolv_session");
    const std::string laptop_session = laptop.cookies().at("rsolv_session");
    ASSERT_NE(phone_session, laptop_session);

    const auto settings = laptop.get("/dashboard/settings");
    ASSERT_EQ(settings.status, 200);
    EXPECT_TRUE(contains(settings.body, "id=\"sign-out-everywhere-form\"")) << settings.body;
    const auto r = laptop.postForm("/dashboard/settings/sign-out-everywhere", {{"csrf_token", csrfOf(settings.body)}});
    ASSERT_EQ(r.status, 303) << r.body.substr(0, 300);
    EXPECT_EQ(pathOf(locationOf(app_, r)), "/login");
    EXPECT_EQ(flashOf(follow(app_, laptop, r).body), "You are signed out everywhere.");

    EXPECT_EQ(sessionCount(app_, c.id), 0);
    HttpClient phone = browserWithSession(app_, phone_session);
    expectRedirectToLogin(app_, phone.get("/dashboard/settings"), "/dashboard/settings");
    HttpClient laptop_copy = browserWithSession(app_, laptop_session);
    expectRedirectToLogin(app_, laptop_copy.get("/dashboard/settings"), "/dashboard/settings");

    // Another customer's session is untouched.
    EXPECT_EQ(sessionCount(app_, other.id), 1);
    EXPECT_EQ(other.browser.get("/dashboard/settings").status, 200);
}

TEST_P(DashboardSessions, SuspendingACustomerEndsItsSessions) {
    Customer c = signUpCustomer(app_, "suspect@example.com");
    // issue 9: prove the address first, or the laptop's sign-in (the first proof) would end this browser's session
    confirmEmailOf(app_, c.browser, c.email);
    Customer other = signUpCustomer(app_, "innocent@example.com");
    HttpClient laptop(app_.port(), app_.publicUrl());
    ASSERT_EQ(signInByEmail(app_, laptop, c.email).status, 303);
    const std::string unused_link = freshSignInLink(app_, c.email);
    ASSERT_EQ(sessionCount(app_, c.id), 2);

    // What `rsolv admin suspend <email>` does.
    const bool changed = storage::inTransaction(app_.db(), storage::TxMode::Write, [&](storage::Transaction& tx) {
        return domain::setCustomerStatus(tx, c.id, "suspended", app_.clock().now());
    });
    EXPECT_TRUE(changed);
    EXPECT_EQ(sessionCount(app_, c.id), 0) << "suspending deletes every session at once";
    EXPECT_EQ(customerById(app_, c.id).status, "suspended");

    expectRedirectToLogin(app_, c.browser.get("/dashboard/keys"), "/dashboard/keys");
    expectRedirectToLogin(app_, laptop.get("/dashboard/keys"), "/dashboard/keys");
    // A link from before cannot bring it back, and asking for one still answers as for anyone.
    HttpClient again(app_.port(), app_.publicUrl());
    EXPECT_EQ(redeemSignInLink(again, unused_link).status, 410);
    EXPECT_FALSE(again.cookies().count("rsolv_session"));
    EXPECT_EQ(requestSignInLink(again, c.email).status, 303);
    EXPECT_EQ(sessionCount(app_, c.id), 0);
    EXPECT_EQ(other.browser.get("/dashboard/keys").status, 200) << "another customer is untouched";
}

TEST_P(DashboardSessions, AdminSuspendCommandEndsSessions) {
    // `rsolv admin suspend <email> --reason R` / `rsolv admin reactivate <email> --reason R`, the operator's commands,
    // run against this test's database as a separate process (issue 12 made --reason required and audits both).
    const auto rsolv = std::filesystem::read_symlink("/proc/self/exe").parent_path() / "rsolv";
    ASSERT_TRUE(std::filesystem::exists(rsolv)) << "no rsolv binary: build the rsolv target to run " << rsolv.string();
    Customer c = signUpCustomer(app_, "operator-case@example.com");
    // issue 9: prove the address first, or the laptop's sign-in (the first proof) would end this browser's session
    confirmEmailOf(app_, c.browser, c.email);
    HttpClient laptop(app_.port(), app_.publicUrl());
    ASSERT_EQ(signInByEmail(app_, laptop, c.email).status, 303);
    ASSERT_EQ(sessionCount(app_, c.id), 2);

    const auto var = std::filesystem::temp_directory_path() / ("rsolv-admin-" + std::to_string(c.id) + "-" +
                                                              std::to_string(::getpid()));
    auto admin = [&](const std::string& verb) {
        return runCommand("env RSOLV_DATABASE_URL='" + app_.config().database_url + "' RSOLV_SECRET_KEY='" +
                          app_.config().secret_key + "' RSOLV_PUBLIC_URL='" + app_.publicUrl() + "' RSOLV_VAR_DIR='" +
                          var.string() + "' RSOLV_MAIL_URL='file:" + (var / "mail").string() +
                          "' RSOLV_LOG_LEVEL=error '" + rsolv.string() + "' admin " + verb + " '" + c.email +
                          "' --reason 'operator test'");
    };
    const auto [suspended, out1] = admin("suspend");
    EXPECT_EQ(suspended, 0) << out1;
    EXPECT_EQ(customerById(app_, c.id).status, "suspended");
    EXPECT_EQ(app_.count("audit_log", "action = 'customer.suspend' AND actor LIKE 'cli:%'"), 1) << "audited as cli:<user>";
    EXPECT_EQ(sessionCount(app_, c.id), 0) << "suspending deletes every session at once";
    expectRedirectToLogin(app_, c.browser.get("/dashboard/settings"), "/dashboard/settings");
    expectRedirectToLogin(app_, laptop.get("/dashboard/settings"), "/dashboard/settings");

    const auto [reactivated, out2] = admin("reactivate");
    EXPECT_EQ(reactivated, 0) << out2;
    EXPECT_EQ(customerById(app_, c.id).status, "active");
    expectRedirectToLogin(app_, laptop.get("/dashboard/settings"), "/dashboard/settings");
    HttpClient again(app_.port(), app_.publicUrl());
    EXPECT_EQ(signInByEmail(app_, again, c.email).status, 303) << "reactivated: signing in works again";

    const auto [unknown, out3] = runCommand("env RSOLV_DATABASE_URL='" + app_.config().database_url +
                                            "' RSOLV_SECRET_KEY='" + app_.config().secret_key + "' RSOLV_VAR_DIR='" +
                                            var.string() + "' RSOLV_LOG_LEVEL=error '" + rsolv.string() +
                                            "' admin suspend nobody-at-all@example.com --reason 'operator test'");
    EXPECT_NE(unknown, 0) << out3;
    std::error_code ec;
    std::filesystem::remove_all(var, ec);
}

TEST_P(DashboardSessions, SuspendedStatusRefusesAnExistingCookie) {
    // Even if a session row survived (suspended by hand in the database), the next request refuses it.
    Customer c = signUpCustomer(app_, "manual@example.com");
    querySql(app_, "UPDATE customers SET status = 'suspended' WHERE id = $1", {c.id}, storage::TxMode::Write);
    expectRedirectToLogin(app_, c.browser.get("/dashboard/settings"), "/dashboard/settings");
}

INSTANTIATE_TEST_SUITE_P(Backends, DashboardSessions, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
