// Issue 5, CSRF on every state-changing browser route, enumerated from the router itself: each Form route refuses a
// POST without a token, with a wrong one, and a cross-site one with a valid token (403, nothing changed). And no route
// outside Form / SignedLink / Api takes a method other than GET, so a new state-changing route cannot skip the check.

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "http/handlers/routes.h"
#include "http/router.h"
#include "integration/dashboard_test_helpers.h"

namespace rsolv::test {
namespace {

std::string kindName(http::RouteKind k) {
    switch (k) {
        case http::RouteKind::Page: return "Page";
        case http::RouteKind::Form: return "Form";
        case http::RouteKind::Api: return "Api";
        case http::RouteKind::SignedLink: return "SignedLink";
        case http::RouteKind::Static: return "Static";
    }
    return "?";
}

/// "/dashboard/keys/{id}/roll" -> "/dashboard/keys/{}/roll".
std::string shapeOf(const std::string& pattern) { return std::regex_replace(pattern, std::regex("\\{[^}]*\\}"), "{}"); }

class DashboardCsrf : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig()};
};

TEST_P(DashboardCsrf, OnlyFormSignedLinkAndApiRoutesTakeOtherMethodsThanGet) {
    std::set<std::string> forms;
    for (const auto& r : app_.app().router().routes()) {
        SCOPED_TRACE(r.method + " " + r.pattern + " (" + kindName(r.kind) + ")");
        if (r.method != "GET" && r.method != "HEAD") {
            EXPECT_TRUE(r.kind == http::RouteKind::Form || r.kind == http::RouteKind::SignedLink ||
                        r.kind == http::RouteKind::Api)
                << "a state-changing route must be a Form (CSRF-checked), a SignedLink or the key-authenticated Api";
        }
        if (r.kind == http::RouteKind::Form) {
            EXPECT_EQ(r.method, "POST") << "browser forms are POSTed";
            EXPECT_EQ(r.accepts, std::vector<std::string>{http::kFormMediaType});
            forms.insert(shapeOf(r.pattern));
        }
        if (r.kind == http::RouteKind::Page || r.kind == http::RouteKind::Static) {
            EXPECT_EQ(r.method, "GET");
        }
    }
    // Every state-changing form of the contract is a Form route.
    for (const char* p : {"/signup", "/login", "/signin/{}", "/logout", "/dashboard/setup/skip", "/dashboard/setup/finish",
                          "/dashboard/keys", "/dashboard/keys/{}/roll", "/dashboard/keys/{}/revoke",
                          "/dashboard/settings/profile", "/dashboard/settings/email", "/dashboard/settings/notifications",
                          "/dashboard/settings/sign-out-everywhere", "/settings/email/confirm/{}"})
        EXPECT_TRUE(forms.count(p)) << "POST " << p << " is not a Form route";
}

TEST_P(DashboardCsrf, EveryFormRouteRefusesMissingWrongAndCrossSiteTokens) {
    Customer alice = signUpCustomer(app_, "alice@example.com");
    Customer mallory = signUpCustomer(app_, "mallory@example.com");
    drainJobs(app_);

    // Plausible values for the path parameters: Alice's key, a live sign-in link, a live email-change link.
    const auto key_ids = keyIdsOn(alice.browser.get("/dashboard/keys").body);
    ASSERT_EQ(key_ids.size(), 1u);
    const std::string key_id = std::to_string(key_ids[0]);
    const std::string signin_token = tokenOf(freshSignInLink(app_, alice.email));
    ASSERT_FALSE(signin_token.empty());
    const std::string confirm_token = tokenOf(requestEmailChange(app_, alice.browser, "alice-new@example.com"));
    ASSERT_FALSE(confirm_token.empty());
    auto fill = [&](const std::string& pattern) {
        std::string path = pattern;
        const std::regex param("\\{[^}]*\\}");
        std::string token = "1";
        if (pattern.rfind("/dashboard/keys/", 0) == 0) token = key_id;
        else if (pattern.rfind("/signin/", 0) == 0) token = signin_token;
        else if (pattern.rfind("/settings/email/confirm/", 0) == 0) token = confirm_token;
        else if (pattern.rfind("/admin/", 0) == 0) token = "1";  // the console's forms (admin_csrf_test.cpp)
        else if (pattern.find('{') != std::string::npos)
            ADD_FAILURE() << "no plausible value known for the parameter of " << pattern << " (update this test)";
        return std::regex_replace(path, param, token);
    };
    // Every field any of the forms reads, with values that would change something.
    const std::map<std::string, std::string> fields{
        {"email", "alice@example.com"}, {"name", "Eve Evil"},           {"company", "Evil Corp"},
        {"new_email", "eve@evil.example"}, {"grace", "0"},              {"onboarding_emails", "on"},
        {"return_to", "/dashboard/keys"},  {"csrf_extra", "x"}};

    const std::string valid = csrfOf(alice.browser.get("/dashboard/settings").body);
    const std::string mallorys = csrfOf(mallory.browser.get("/dashboard/settings").body);
    ASSERT_FALSE(valid.empty());
    ASSERT_FALSE(mallorys.empty());
    ASSERT_NE(valid, mallorys) << "tokens are bound to the session";
    std::string tampered = valid;
    tampered[0] = tampered[0] == 'A' ? 'B' : 'A';

    struct Attempt {
        std::string what;
        std::optional<std::string> token;
        std::map<std::string, std::string> headers;
        bool send_origin = true;
    };
    const std::vector<Attempt> attempts{
        {"no csrf_token", std::nullopt, {}},
        {"empty csrf_token", std::string(), {}},
        {"garbage csrf_token", std::string("not-a-token"), {}},
        {"tampered csrf_token", tampered, {}},
        {"another session's csrf_token", mallorys, {}},
        {"valid token, Origin: https://evil.example", valid, {{"Origin", "https://evil.example"}}},
        {"valid token, Origin: null", valid, {{"Origin", "null"}}},
        {"valid token, no Origin, Sec-Fetch-Site: cross-site", valid, {{"Sec-Fetch-Site", "cross-site"}}, false},
    };

    int checked = 0;
    for (const auto& route : app_.app().router().routes()) {
        if (route.kind != http::RouteKind::Form) continue;
        const std::string path = fill(route.pattern);
        for (const auto& a : attempts) {
            SCOPED_TRACE(route.method + " " + path + ": " + a.what);
            auto form = fields;
            if (a.token) form["csrf_token"] = *a.token;
            const auto cookies_before = alice.browser.cookies();
            const auto before = databaseSnapshot(app_);
            alice.browser.sendOrigin = a.send_origin;
            const auto r = alice.browser.request(route.method, path, [&] {
                std::string body;
                for (const auto& [k, v] : form) body += (body.empty() ? "" : "&") + urlEncode(k) + "=" + urlEncode(v);
                return body;
            }(), http::kFormMediaType, a.headers);
            alice.browser.sendOrigin = true;
            EXPECT_EQ(r.status, 403) << r.body.substr(0, 300);
            EXPECT_EQ(snapshotDiff(before, databaseSnapshot(app_)), "") << "a refused request changed the database";
            EXPECT_EQ(alice.browser.cookies(), cookies_before) << "a refused request changed the cookies";
            ++checked;
        }
    }
    EXPECT_GE(checked, 14 * int(attempts.size())) << "fewer Form routes than the contract names";

    // The same browser, token and values pass when sent properly: the refusals above were about the token or origin.
    const auto ok = alice.browser.postForm("/dashboard/settings/profile",
                                           {{"csrf_token", valid}, {"name", "Alice Again"}, {"company", ""}});
    EXPECT_EQ(ok.status, 303) << ok.body.substr(0, 300);
    EXPECT_EQ(customerById(app_, alice.id).name, "Alice Again");
    // Still signed in, the link still unused, the key still live.
    EXPECT_EQ(alice.browser.get("/dashboard/keys").status, 200);
    EXPECT_EQ(apiCall(app_, "GET", "/api/v1/account", alice.key).status, 200);
    HttpClient fresh(app_.port(), app_.publicUrl());
    EXPECT_EQ(redeemSignInLink(fresh, "/signin/" + signin_token).status, 303) << "the sign-in link was not used up";
}

TEST_P(DashboardCsrf, PostingToPagesIsRefused) {
    Customer alice = signUpCustomer(app_, "pages@example.com");
    const auto key_ids = keyIdsOn(alice.browser.get("/dashboard/keys").body);
    ASSERT_EQ(key_ids.size(), 1u);
    const std::string valid = csrfOf(alice.browser.get("/dashboard/settings").body);
    std::set<std::string> posted;
    for (const auto& route : app_.app().router().routes()) {
        if (route.kind != http::RouteKind::Page) continue;
        const std::string path =
            std::regex_replace(route.pattern, std::regex("\\{[^}]*\\}"), std::to_string(key_ids[0]));
        // A path that also has a Form route under POST is that Form's business.
        if (app_.app().router().match("POST", path).route) continue;
        if (!posted.insert(path).second) continue;
        SCOPED_TRACE("POST " + path);
        const auto before = databaseSnapshot(app_);
        const auto r = alice.browser.postForm(path, {{"csrf_token", valid}, {"name", "x"}});
        EXPECT_EQ(r.status, 405) << r.body.substr(0, 300);
        EXPECT_EQ(snapshotDiff(before, databaseSnapshot(app_)), "");
    }
    EXPECT_TRUE(posted.count("/dashboard"));
}

INSTANTIATE_TEST_SUITE_P(Backends, DashboardCsrf, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
