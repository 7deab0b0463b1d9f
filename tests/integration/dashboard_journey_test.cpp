// Issue 15, what a first-time walk-through found broken or inconsistent: the signed-in header on every page, a form
// sent after the session ended, the landing page's way back to the dashboard, a finished setup that says so, one
// "already registered" email a day, the welcome email's subject and its four steps, and /favicon.ico.

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "integration/dashboard_test_helpers.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;

class DashboardJourney : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig()};
};

void expectSignedInHeader(const HttpResponse& r, const std::string& email, const std::string& what) {
    const std::string header = elementById(r.body, "header", "site-header");
    EXPECT_TRUE(contains(header, email)) << what << ": the header does not show who is signed in:\n" << header;
    EXPECT_TRUE(contains(header, "id=\"logout-form\"")) << what << ": no sign-out form in the header";
    EXPECT_FALSE(contains(header, "Start free trial")) << what << ": the signed-out header";
    EXPECT_FALSE(contains(header, ">Sign in<")) << what << ": the signed-out header";
}

TEST_P(DashboardJourney, SignedInCustomersSeeTheSignedInHeaderEverywhere) {
    Customer c = signUpCustomer(app_, "header@example.com");

    const auto missing = c.browser.get("/no-such-page");
    EXPECT_EQ(missing.status, 404);
    expectSignedInHeader(missing, c.email, "404");

    // A form whose token does not match: 403, and still the customer's header.
    const auto refused = c.browser.postForm("/dashboard/settings/profile", {{"csrf_token", "x"}, {"name", "N"}});
    EXPECT_EQ(refused.status, 403) << refused.body.substr(0, 300);
    expectSignedInHeader(refused, c.email, "403");

    const auto link = c.browser.get("/signin/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    EXPECT_EQ(link.status, 200);
    expectSignedInHeader(link, c.email, "the sign-in link page");

    // A signed-in visitor to /signup goes to the dashboard rather than seeing the form again.
    const auto signup = c.browser.get("/signup");
    EXPECT_EQ(signup.status, 303) << signup.body.substr(0, 300);
    EXPECT_EQ(locationOf(app_, signup), "/dashboard");
}

TEST_P(DashboardJourney, RequestIdOnlyOnErrorPages) {
    Customer c = signUpCustomer(app_, "reqid@example.com");
    const auto keys = c.browser.get("/dashboard/keys");
    EXPECT_FALSE(contains(keys.body, "Request id")) << "an ordinary page shows the request id";
    const auto missing = c.browser.get("/no-such-page");
    EXPECT_TRUE(contains(missing.body, missing.header("x-request-id"))) << "the 404 page names its request id";
}

TEST_P(DashboardJourney, AFormSentAfterTheSessionEndedLeadsToSignInAndBack) {
    Customer c = signUpCustomer(app_, "ended@example.com");
    const std::string token = csrfOf(c.browser.get("/dashboard/settings").body);
    const std::map<std::string, std::string> referer{{"Referer", app_.publicUrl() + "/dashboard/settings"}};

    // The session times out on the server; the browser still has its cookie.
    app_.clock().advance(std::chrono::minutes(app_.config().session_idle_minutes) + 1min);
    const auto r = c.browser.postForm("/dashboard/settings/profile", {{"csrf_token", token}, {"name", "Typed Name"}},
                                      referer);
    ASSERT_EQ(r.status, 303) << r.body.substr(0, 300);
    const std::string loc = locationOf(app_, r);
    EXPECT_EQ(pathOf(loc), "/login") << loc;
    EXPECT_EQ(queryParam(loc, "return_to").value_or("<none>"), "/dashboard/settings") << loc;
    const auto login = c.browser.get(loc);
    ASSERT_EQ(login.status, 200);
    EXPECT_TRUE(contains(flashOf(login.body), "Your session ended")) << flashOf(login.body);
    EXPECT_EQ(inputValue(login.body, "return_to"), "/dashboard/settings");

    // The cookie is gone (signed out in another tab): the token no longer matches, same answer.
    c.browser.cookies().erase("rsolv_session");
    const auto gone = c.browser.postForm("/dashboard/settings/profile", {{"csrf_token", token}, {"name", "Typed"}},
                                         referer);
    ASSERT_EQ(gone.status, 303) << gone.body.substr(0, 300);
    EXPECT_EQ(queryParam(locationOf(app_, gone), "return_to").value_or("<none>"), "/dashboard/settings");

    // Signing in from there brings the customer back to the page.
    const auto back = signInByEmail(app_, c.browser, c.email, "/dashboard/settings");
    ASSERT_EQ(back.status, 303);
    const std::string after = locationOf(app_, back);
    EXPECT_TRUE(contains(after, "dashboard%2Fsettings") || after == "/dashboard/settings") << after;
}

TEST_P(DashboardJourney, LandingPageLeadsASignedInCustomerToTheDashboard) {
    Customer c = signUpCustomer(app_, "landing@example.com");
    const auto page = c.browser.get("/");
    ASSERT_EQ(page.status, 200);
    EXPECT_TRUE(std::regex_search(page.body, std::regex("<a [^>]*href=\"/dashboard\"[^>]*>Continue to your account")))
        << page.body;
    EXPECT_FALSE(contains(page.body, "href=\"/welcome\""));
}

TEST_P(DashboardJourney, AFinishedSetupSaysSo) {
    Customer c = signUpCustomer(app_, "alldone@example.com");
    skipSetup(app_, c.browser);
    ASSERT_TRUE(startFixAttempt(app_, c.key, "acme/widgets"));

    const auto overview = c.browser.get("/dashboard");
    ASSERT_EQ(overview.status, 200);
    const std::string checklist = textOf(elementById(overview.body, "section", "checklist"));
    EXPECT_FALSE(contains(checklist, "Continue the setup")) << checklist;
    EXPECT_TRUE(contains(checklist, "all done")) << checklist;

    const auto setup = c.browser.get("/dashboard/setup");
    EXPECT_FALSE(contains(setup.body, "Skip setup")) << "all four steps are done";
    EXPECT_TRUE(contains(textOf(setup.body), "All four steps are done")) << textOf(setup.body);
}

TEST_P(DashboardJourney, AtMostOneAlreadyRegisteredEmailADayPerAddress) {
    TestApp app_(GetParam(), dashboardConfig([](app::Config& c) { c.signups_per_email_per_day = 10; }));
    Customer c = signUpCustomer(app_, "twice@example.com");
    drainJobs(app_);
    const auto registered = [&] { return emailsTo(app_, c.email, "You already have an RSOLV account").size(); };
    for (int i = 0; i < 3; ++i) {
        HttpClient again(app_.port(), app_.publicUrl());
        EXPECT_EQ(again.signup("Twice@Example.com", "Someone").status, 200);
        app_.clock().advance(1h);
    }
    drainJobs(app_);
    EXPECT_EQ(registered(), 1u) << "three duplicate signups within hours";
    app_.clock().advance(21h);  // 24 hours after the first one
    HttpClient later(app_.port(), app_.publicUrl());
    EXPECT_EQ(later.signup("twice@example.com", "Someone").status, 200);
    drainJobs(app_);
    EXPECT_EQ(registered(), 2u) << "a day later, the owner hears about it again";
}

TEST_P(DashboardJourney, WelcomeEmailIsTruthfulAndCountsFourSteps) {
    Customer c = signUpCustomer(app_, "truth@example.com", "Tru Th");
    drainJobs(app_);
    const auto mails = emailsTo(app_, c.email, "Welcome to RSOLV");
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_FALSE(contains(mails[0].subject(), "key is ready")) << "the key is not in the email: " << mails[0].subject();
    EXPECT_FALSE(contains(mails[0].text, "three steps")) << mails[0].text;
    EXPECT_TRUE(contains(mails[0].text, "four steps")) << mails[0].text;
    EXPECT_TRUE(contains(mails[0].text, "\n4. ")) << mails[0].text;
    EXPECT_FALSE(contains(mails[0].html, "width=\"560\"")) << "a fixed-width layout";
}

TEST_P(DashboardJourney, CheckYourEmailRepeatsTheAddressAndOffersToSendAgainAfterAMinute) {
    signUpCustomer(app_, "loop@example.com");
    HttpClient browser(app_.port(), app_.publicUrl());
    const auto asked = requestSignInLink(browser, "loop@example.com");
    ASSERT_EQ(asked.status, 303);
    EXPECT_EQ(locationOf(app_, asked), "/login/sent") << "the address never rides in the URL";
    const auto sent = browser.get("/login/sent");
    EXPECT_TRUE(contains(textOf(elementById(sent.body, "p", "sent-to")), "loop@example.com")) << sent.body;
    const std::string form = elementById(sent.body, "form", "resend-form");
    ASSERT_FALSE(form.empty()) << sent.body;
    EXPECT_TRUE(contains(form, " disabled")) << "not before a minute has passed: " << form;

    app_.clock().advance(61s);
    const auto later = browser.get("/login/sent");
    const std::string again = elementById(later.body, "form", "resend-form");
    EXPECT_FALSE(contains(again, " disabled")) << again;
    std::map<std::string, std::string> fields{{"csrf_token", csrfOf(later.body)},
                                              {"email", inputValue(again, "email")},
                                              {"form_ts", inputValue(again, "form_ts")}};
    app_.clock().advance(5s);
    EXPECT_EQ(browser.postForm("/login", fields).status, 303);
    drainJobs(app_);
    EXPECT_EQ(emailsTo(app_, "loop@example.com", kSignInSubject).size(), 2u);
}

TEST_P(DashboardJourney, FaviconIsServed) {
    HttpClient browser(app_.port(), app_.publicUrl());
    const auto r = browser.get("/favicon.ico");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-type"), "image/x-icon");
    ASSERT_GE(r.body.size(), 6u);
    EXPECT_EQ(r.body.substr(0, 4), std::string("\0\0\1\0", 4)) << "an ICO file begins with 00 00 01 00";
    const auto svg = browser.get("/static/logo.svg");
    EXPECT_EQ(svg.status, 200);
    EXPECT_TRUE(contains(svg.header("content-type"), "image/svg+xml"));
}

INSTANTIATE_TEST_SUITE_P(Backends, DashboardJourney, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
