// Issue 5, "dashboard requires authentication": every dashboard page the router knows sends a browser without a live
// session to /login?return_to=<that page>, and signing in by email from there lands on the page asked for (never on
// another site).

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "integration/dashboard_test_helpers.h"
#include "integration/email_proof_helpers.h"

namespace rsolv::test {
namespace {

/// Every GET route under /dashboard, path parameters filled with `id`.
std::vector<std::string> dashboardPages(TestApp& app, const std::string& id) {
    std::vector<std::string> out;
    for (const auto& r : app.app().router().routes()) {
        if (r.method != "GET" || r.pattern.rfind("/dashboard", 0) != 0) continue;
        out.push_back(std::regex_replace(r.pattern, std::regex("\\{[^}]*\\}"), id));
    }
    return out;
}

class DashboardAuth : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig()};
};

TEST_P(DashboardAuth, DashboardRequiresAuthentication) {
    const auto pages = dashboardPages(app_, "1");
    // The pages of the contract are all there (so the loop below cannot pass by finding none).
    const std::set<std::string> have(pages.begin(), pages.end());
    for (const char* p : {"/dashboard", "/dashboard/setup", "/dashboard/keys", "/dashboard/keys/1/revoke",
                          "/dashboard/workflow", "/dashboard/workflow/rsolv.yml", "/dashboard/settings"})
        EXPECT_TRUE(have.count(p)) << p << " is not a GET route of the router";

    const Customer someone = signUpCustomer(app_, "someone@example.com");
    for (const auto& page : pages) {
        SCOPED_TRACE(page);
        // No cookie at all.
        HttpClient anonymous(app_.port(), app_.publicUrl());
        const auto r = anonymous.get(page);
        expectRedirectToLogin(app_, r, page);
        EXPECT_FALSE(contains(r.body, someone.email)) << "a page leaked into the redirect";
        EXPECT_FALSE(anonymous.cookies().count("rsolv_session"));
        // A session cookie the server never issued.
        HttpClient forged(app_.port(), app_.publicUrl());
        forged.cookies()["rsolv_session"] = "bm90LWEtcmVhbC1zZXNzaW9uLXRva2VuLWF0LWFsbC0wMTIzNDU2Nzg5";
        expectRedirectToLogin(app_, forged.get(page), page);
    }

    // The return_to is URL-encoded in the Location header: no raw '?' or '&' of the page can leak into /login's query.
    HttpClient anonymous(app_.port(), app_.publicUrl());
    const auto r = anonymous.get("/dashboard/keys");
    const std::string loc = locationOf(app_, r);
    EXPECT_TRUE(loc == "/login?return_to=%2Fdashboard%2Fkeys" || loc == "/login?return_to=/dashboard/keys") << loc;
}

TEST_P(DashboardAuth, SigningInByEmailLandsOnThePageAskedFor) {
    const Customer c = signUpCustomer(app_, "lands@example.com");
    HttpClient first_proof(app_.port(), app_.publicUrl());
    confirmEmailOf(app_, first_proof, c.email);  // issue 9: the first sign-in by link opens the review instead
    for (const std::string& page : std::vector<std::string>{"/dashboard/keys", "/dashboard/settings", "/dashboard/workflow"}) {
        SCOPED_TRACE(page);
        HttpClient browser(app_.port(), app_.publicUrl());
        const auto first = browser.get(page);
        expectRedirectToLogin(app_, first, page);

        // The sign-in page it leads to carries the page in its form.
        const std::string login = locationOf(app_, first);
        const auto form = browser.get(login);
        ASSERT_EQ(form.status, 200) << form.body.substr(0, 300);
        EXPECT_TRUE(contains(form.body, "id=\"login-form\"")) << form.body;
        EXPECT_TRUE(contains(form.body, "Email me a sign-in link"));
        EXPECT_EQ(inputValue(form.body, "return_to"), page);
        const auto sent = browser.postForm(
            "/login", {{"csrf_token", csrfOf(form.body)}, {"email", c.email}, {"return_to", inputValue(form.body, "return_to")}});
        ASSERT_EQ(sent.status, 303) << sent.body.substr(0, 300);
        EXPECT_EQ(pathOf(locationOf(app_, sent)), "/login/sent");
        const auto sent_page = browser.get("/login/sent");
        EXPECT_EQ(sent_page.status, 200);
        EXPECT_TRUE(contains(sent_page.body, "If that address has an account, a sign-in link is on its way"))
            << sent_page.body;

        drainJobs(app_);
        const std::string link = latestSignInLink(app_, c.email);
        ASSERT_FALSE(link.empty()) << "no sign-in email to " << c.email;
        EXPECT_EQ(queryParam(link, "return_to").value_or("<none>"), page) << link;

        const auto signed_in = redeemSignInLink(browser, link);
        ASSERT_EQ(signed_in.status, 303) << signed_in.body.substr(0, 300);
        EXPECT_EQ(pathOf(locationOf(app_, signed_in)), page);
        const auto there = browser.get(page);
        EXPECT_EQ(there.status, 200) << there.body.substr(0, 300);
        EXPECT_EQ(currentNavHref(there.body), page) << "the navigation marks the page it shows";
        const std::string nav = std::regex_search(there.body, std::regex("<nav\\b[^>]*aria-label=\"Dashboard\""))
                                    ? there.body.substr(there.body.find("aria-label=\"Dashboard\""))
                                    : std::string();
        ASSERT_FALSE(nav.empty()) << "no <nav aria-label=\"Dashboard\">";
        const std::string links = nav.substr(0, nav.find("</nav>"));
        for (const char* href : {"/dashboard", "/dashboard/setup", "/dashboard/keys", "/dashboard/workflow",
                                 "/dashboard/settings"})
            EXPECT_TRUE(contains(links, std::string("href=\"") + href + "\"")) << href << " in " << links;
        for (const char* label : {"Overview", "Setup", "API keys", "Workflow", "Settings"})
            EXPECT_TRUE(contains(textOf(links), label)) << label << " in " << links;
    }
}

TEST_P(DashboardAuth, ReturnToNeverLeavesTheDashboard) {
    const Customer c = signUpCustomer(app_, "stays@example.com");
    HttpClient first_proof(app_.port(), app_.publicUrl());
    confirmEmailOf(app_, first_proof, c.email);  // issue 9: the first sign-in by link opens the review instead
    for (const std::string& evil : std::vector<std::string>{"https://evil.example/dashboard", "//evil.example/dashboard", "/welcome",
                                   "/\\evil.example"}) {
        SCOPED_TRACE(evil);
        HttpClient browser(app_.port(), app_.publicUrl());
        const std::string link = freshSignInLink(app_, c.email, evil);
        ASSERT_FALSE(link.empty());
        const auto r = redeemSignInLink(browser, link);
        ASSERT_EQ(r.status, 303) << r.body.substr(0, 300);
        const std::string raw = r.header("location");
        EXPECT_TRUE(raw.rfind(app_.publicUrl() + "/dashboard", 0) == 0 || raw.rfind("/dashboard", 0) == 0) << raw;
        EXPECT_EQ(pathOf(locationOf(app_, r)), "/dashboard") << raw;
        app_.clock().advance(std::chrono::minutes(13));  // stay under the per-email link limit (5 an hour)
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, DashboardAuth, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
