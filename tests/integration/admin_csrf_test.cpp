// Issue 12, CSRF on every console form, enumerated from the router: signed in as an admin, each /admin Form route
// refuses a POST without a token, with a wrong one, with the same browser's customer-session token, and a cross-site
// one with a valid token (403, nothing changed); the same request with the operator's token passes.

#include <regex>

#include "http/handlers/routes.h"
#include "http/router.h"
#include "integration/admin_test_helpers.h"

namespace rsolv::test {
namespace {

class AdminCsrf : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig()};
};

TEST_P(AdminCsrf, EveryConsoleFormRefusesMissingWrongAndCrossSiteTokens) {
    Customer customer = signUpCustomer(app_, "target@example.com");
    Operator admin = signInOperator(app_, "csrf-admin@example.net", "admin");
    const std::int64_t other = addOperator(app_, "other@example.net", "viewer");
    // The admin's browser is also a customer's: its dashboard token must not open a console form.
    ASSERT_EQ(signInByEmail(app_, admin.browser, customer.email).status, 303);
    const std::string customer_token = csrfOf(admin.browser.get("/dashboard/settings").body);
    const std::string valid = csrfOf(admin.browser.get("/admin").body);
    ASSERT_FALSE(valid.empty());
    ASSERT_NE(valid, customer_token);
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
        {"garbage csrf_token", std::string("not-a-token"), {}},
        {"tampered csrf_token", tampered, {}},
        {"the customer session's csrf_token", customer_token, {}},
        {"valid token, Origin: https://evil.example", valid, {{"Origin", "https://evil.example"}}},
        {"valid token, no Origin, Sec-Fetch-Site: cross-site", valid, {{"Sec-Fetch-Site", "cross-site"}}, false},
    };
    const std::map<std::string, std::string> fields{{"reason", "csrf"}, {"credits", "5"}, {"key_id", "1"},
                                                    {"role", "admin"}, {"email", "eve@evil.example"},
                                                    {"kind", "email.welcome"}, {"confirm_email", "target@example.com"}};
    int checked = 0;
    for (const auto& route : app_.app().router().routes()) {
        if (route.kind != http::RouteKind::Form || route.pattern.rfind("/admin", 0) != 0) continue;
        std::string path = route.pattern;
        path = std::regex_replace(path, std::regex("^/admin/customers/\\{id\\}"), "/admin/customers/" + std::to_string(customer.id));
        path = std::regex_replace(path, std::regex("^/admin/operators/\\{id\\}"), "/admin/operators/" + std::to_string(other));
        path = std::regex_replace(path, std::regex("^/admin/jobs/\\{id\\}"), "/admin/jobs/1");
        path = std::regex_replace(path, std::regex("^/admin/signups/waitlist/\\{id\\}"), "/admin/signups/waitlist/1");
        path = std::regex_replace(path, std::regex("\\{token\\}"), "x");
        ASSERT_EQ(path.find('{'), std::string::npos) << "no value for " << route.pattern;
        for (const auto& a : attempts) {
            SCOPED_TRACE(path + ": " + a.what);
            auto form = fields;
            if (a.token) form["csrf_token"] = *a.token;
            const auto before = databaseSnapshot(app_);
            admin.browser.sendOrigin = a.send_origin;
            std::string body;
            for (const auto& [k, v] : form) body += (body.empty() ? "" : "&") + urlEncode(k) + "=" + urlEncode(v);
            const auto r = admin.browser.request("POST", path, body, http::kFormMediaType, a.headers);
            admin.browser.sendOrigin = true;
            EXPECT_EQ(r.status, 403) << r.body.substr(0, 300);
            EXPECT_EQ(snapshotDiff(before, databaseSnapshot(app_)), "");
            ++checked;
        }
    }
    EXPECT_GE(checked, 15 * int(attempts.size()));

    // The same browser and values with the operator's token go through.
    const auto ok = admin.browser.postForm("/admin/customers/" + std::to_string(customer.id) + "/credits",
                                           {{"csrf_token", valid}, {"credits", "5"}, {"reason", "goodwill"}});
    EXPECT_EQ(ok.status, 303) << ok.body.substr(0, 300);
    EXPECT_EQ(customerById(app_, customer.id).trial_fixes_limit, 15);
}

INSTANTIATE_TEST_SUITE_P(Backends, AdminCsrf, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
