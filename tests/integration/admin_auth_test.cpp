// Issue 12, operators and their sessions: sign-in by an emailed 10-minute single-use link through the job queue,
// a cookie of their own scoped to /admin (idle 15 minutes, absolute 8 hours, a new id at each sign-in), viewers read
// only, a customer session never opens the console, disabled operators are out at once, RSOLV_ADMIN_ALLOWED_CIDRS.

#include "integration/admin_test_helpers.h"

namespace rsolv::test {
namespace {

class AdminAuth : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig()};
};

std::string operatorSetCookie(const HttpResponse& r) {
    for (const auto& c : setCookies(r))
        if (c.rfind("rsolv_admin=", 0) == 0) return c;
    return {};
}

TEST_P(AdminAuth, AnOperatorSignsInByEmailedLinkIntoItsOwnCookieScopedToAdmin) {
    addOperator(app_, "ops@example.net", "admin");
    const std::string link = freshOperatorLink(app_, "ops@example.net");
    ASSERT_FALSE(link.empty());
    HttpClient browser(app_.port(), app_.publicUrl());
    EXPECT_EQ(browser.get("/admin").status, 303) << "not signed in yet";
    const auto page = browser.get(link);
    EXPECT_EQ(page.status, 200);
    EXPECT_FALSE(browser.cookies().count("rsolv_admin")) << "opening the link (GET) signs nobody in";
    const auto r = browser.postForm(link, {{"csrf_token", csrfOf(page.body)}});
    ASSERT_EQ(r.status, 303) << r.body.substr(0, 300);
    EXPECT_EQ(pathOf(locationOf(app_, r)), "/admin");
    const std::string cookie = operatorSetCookie(r);
    EXPECT_TRUE(contains(cookie, "Path=/admin")) << cookie;
    EXPECT_TRUE(contains(cookie, "HttpOnly")) << cookie;
    EXPECT_TRUE(contains(cookie, "SameSite=Strict")) << cookie;
    EXPECT_FALSE(setsCookie(r, "rsolv_session")) << "an operator session is not a customer session";
    const auto home = browser.get("/admin");
    EXPECT_EQ(home.status, 200);
    EXPECT_TRUE(contains(home.body, "ops@example.net"));
    EXPECT_EQ(browser.get("/dashboard").status, 303) << "the operator cookie opens no customer page";

    // Single use: the same link again, even in another browser, is refused.
    HttpClient again(app_.port(), app_.publicUrl());
    EXPECT_EQ(redeemOperatorLink(again, link).status, 410);
    EXPECT_FALSE(again.cookies().count("rsolv_admin"));
}

TEST_P(AdminAuth, AnAddressThatIsNoOperatorGetsTheSameAnswerAndNoEmail) {
    Customer c = signUpCustomer(app_, "customer@example.com");
    EXPECT_TRUE(freshOperatorLink(app_, "customer@example.com").empty()) << "a customer is no operator";
    EXPECT_TRUE(freshOperatorLink(app_, "nobody@example.com").empty());
    EXPECT_EQ(app_.count("operator_sign_in_tokens"), 0);
    EXPECT_EQ(app_.count("jobs", "kind = 'email.operator_sign_in' AND payload LIKE '%@%'"), 0)
        << "finished jobs keep no address typed at /admin/login";
}

TEST_P(AdminAuth, TheLinkWorksForTenMinutes) {
    addOperator(app_, "late@example.net", "admin");
    const std::string link = freshOperatorLink(app_, "late@example.net");
    app_.clock().advance(std::chrono::minutes(10) + std::chrono::seconds(1));
    HttpClient browser(app_.port(), app_.publicUrl());
    EXPECT_EQ(redeemOperatorLink(browser, link).status, 410);
    const std::string fresh = freshOperatorLink(app_, "late@example.net");
    app_.clock().advance(std::chrono::minutes(9));
    EXPECT_EQ(redeemOperatorLink(browser, fresh).status, 303);
}

TEST_P(AdminAuth, SessionsEndAfterFifteenIdleMinutesAndEightHours) {
    Operator op = signInOperator(app_, "idle@example.net", "viewer");
    app_.clock().advance(std::chrono::minutes(14));
    EXPECT_EQ(op.browser.get("/admin").status, 200);
    app_.clock().advance(std::chrono::minutes(15));
    const auto idle = op.browser.get("/admin");
    EXPECT_EQ(idle.status, 303);
    EXPECT_EQ(pathOf(locationOf(app_, idle)), "/admin/login");

    Operator busy = signInOperator(app_, "busy@example.net", "viewer");
    for (int i = 0; i < 7 * 6; ++i) {
        app_.clock().advance(std::chrono::minutes(10));
        ASSERT_EQ(busy.browser.get("/admin/customers").status, 200) << "after " << (i + 1) * 10 << " minutes";
    }
    app_.clock().advance(std::chrono::minutes(10) * 6);  // 8 hours and more since sign-in
    EXPECT_EQ(busy.browser.get("/admin/customers").status, 303);
}

TEST_P(AdminAuth, SigningInAgainGivesANewSessionIdAndEndsThePreviousOne) {
    Operator op = signInOperator(app_, "twice@example.net", "admin");
    const std::string first = op.browser.cookies().at("rsolv_admin");
    ASSERT_EQ(redeemOperatorLink(op.browser, freshOperatorLink(app_, "twice@example.net")).status, 303);
    const std::string second = op.browser.cookies().at("rsolv_admin");
    EXPECT_NE(first, second);
    HttpClient stale(app_.port(), app_.publicUrl());
    stale.cookies()["rsolv_admin"] = first;
    EXPECT_EQ(stale.get("/admin").status, 303) << "the previous session id is dead";
    EXPECT_EQ(op.browser.get("/admin").status, 200);
}

TEST_P(AdminAuth, ACustomerSessionNeverOpensTheConsole) {
    Customer c = signUpCustomer(app_, "curious@example.com");
    for (const char* page : {"/admin", "/admin/customers", "/admin/audit", "/admin/operators"}) {
        const auto r = c.browser.get(page);
        EXPECT_EQ(r.status, 303) << page;
        EXPECT_EQ(pathOf(locationOf(app_, r)), "/admin/login") << page;
    }
    // Even a customer session id put into the operator cookie opens nothing.
    HttpClient forged(app_.port(), app_.publicUrl());
    forged.cookies()["rsolv_admin"] = c.browser.cookies().at("rsolv_session");
    EXPECT_EQ(forged.get("/admin").status, 303);
}

TEST_P(AdminAuth, AViewerReadsEverythingAndChangesNothing) {
    Customer c = signUpCustomer(app_, "watched@example.com");
    Operator viewer = signInOperator(app_, "viewer@example.net", "viewer");
    const std::string page = "/admin/customers/" + std::to_string(c.id);
    const auto detail = viewer.browser.get(page);
    EXPECT_EQ(detail.status, 200);
    EXPECT_FALSE(contains(detail.body, "grant-credits-form")) << "no override buttons for a viewer";
    const auto before = databaseSnapshot(app_);
    const auto r = viewer.browser.postForm(page + "/credits",
                                           {{"csrf_token", csrfOf(detail.body)}, {"credits", "5"}, {"reason", "x"}});
    EXPECT_EQ(r.status, 403) << r.body.substr(0, 300);
    EXPECT_EQ(snapshotDiff(before, databaseSnapshot(app_)), "");
}

TEST_P(AdminAuth, DisablingAnOperatorEndsItsSessionsAndItsLinks) {
    Operator admin = signInOperator(app_, "boss@example.net", "admin");
    Operator gone = signInOperator(app_, "leaver@example.net", "admin");
    const std::string unused = freshOperatorLink(app_, "leaver@example.net");
    const auto r = operatorPost(admin, "/admin/operators", "/admin/operators/" + std::to_string(gone.id) + "/disable",
                                {{"reason", "left the company"}});
    EXPECT_EQ(r.status, 303) << r.body.substr(0, 300);
    EXPECT_EQ(gone.browser.get("/admin").status, 303);
    HttpClient other(app_.port(), app_.publicUrl());
    EXPECT_EQ(redeemOperatorLink(other, unused).status, 410);
    EXPECT_TRUE(freshOperatorLink(app_, "leaver@example.net").empty());
    const auto rows = auditRows(app_, "action = 'operator.disable'");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_TRUE(contains(rows[0], "operator:boss@example.net|operator.disable|operator:" + std::to_string(gone.id)))
        << rows[0];
    EXPECT_TRUE(contains(rows[0], "left the company"));
}

TEST_P(AdminAuth, AnotherNetworkFindsNothingWhenAllowedCidrsAreSet) {
    TestApp restricted(GetParam(), dashboardConfig([](app::Config& c) { c.admin_allowed_cidrs = {"10.0.0.0/8"}; }));
    HttpClient browser(restricted.port(), restricted.publicUrl());
    for (const char* page : {"/admin", "/admin/login", "/admin/customers"})
        EXPECT_EQ(browser.get(page).status, 404) << page;
    TestApp local(GetParam(), dashboardConfig([](app::Config& c) { c.admin_allowed_cidrs = {"127.0.0.0/8", "::1"}; }));
    HttpClient ok(local.port(), local.publicUrl());
    EXPECT_EQ(ok.get("/admin/login").status, 200);
}

// The allow-list answers before anything else under /admin: a form without a CSRF token, a body of the wrong
// media type or a method no route takes all get the same 404 as an unknown address (not 403, 415 or 405).
TEST_P(AdminAuth, AnotherNetworkGets404BeforeAnyOtherAnswer) {
    TestApp restricted(GetParam(), dashboardConfig([](app::Config& c) { c.admin_allowed_cidrs = {"10.0.0.0/8"}; }));
    addOperator(restricted, "outside@example.net", "admin");
    HttpClient browser(restricted.port(), restricted.publicUrl());
    for (const char* path : {"/admin/login", "/admin/logout", "/admin/operators", "/admin/jobs/retry-dead",
                             "/admin/customers/1/", "/admin/jobs/1/retry"}) {
        EXPECT_EQ(browser.postForm(path, {{"email", "outside@example.net"}}).status, 404) << "POST " << path;
        EXPECT_EQ(browser.request("POST", path, "{}", "application/json").status, 404) << "POST json " << path;
    }
    EXPECT_EQ(browser.request("PUT", "/admin/login", "", "").status, 404) << "not 405";
    EXPECT_EQ(browser.request("DELETE", "/admin", "", "").status, 404) << "not 405";
    EXPECT_EQ(restricted.count("jobs", "kind = 'email.operator_sign_in'"), 0);
}

TEST_P(AdminAuth, SigningOutEndsTheOperatorSession) {
    Operator op = signInOperator(app_, "bye@example.net", "viewer");
    const std::string token = op.browser.cookies().at("rsolv_admin");
    const auto r = submitForm(op.browser, "/admin", "/admin/logout");
    EXPECT_EQ(r.status, 303);
    EXPECT_EQ(pathOf(locationOf(app_, r)), "/admin/login");
    HttpClient replay(app_.port(), app_.publicUrl());
    replay.cookies()["rsolv_admin"] = token;
    EXPECT_EQ(replay.get("/admin").status, 303);
    EXPECT_EQ(app_.count("operator_sessions"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, AdminAuth, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
