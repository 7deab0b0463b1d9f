// Issue 12, the authorisation matrix, built from the router: every /admin route, for an anonymous visitor, a signed-in
// customer, a viewer, an admin and a disabled operator, answers the status the console's rules give it. A new /admin
// route the table below does not know fails the test.

#include <regex>

#include "http/router.h"
#include "integration/admin_test_helpers.h"

namespace rsolv::test {
namespace {

enum class Who { Anonymous, Customer, Viewer, Admin, Disabled };
const char* nameOf(Who w) {
    switch (w) {
        case Who::Anonymous: return "anonymous";
        case Who::Customer: return "customer";
        case Who::Viewer: return "viewer";
        case Who::Admin: return "admin";
        case Who::Disabled: return "disabled operator";
    }
    return "?";
}

/// What a route is, for the rules: reachable before signing in, a page operators read, or a change.
enum class Access { Public, Read, Change };

Access accessOf(const http::Route& r) {
    static const std::set<std::string> public_routes{"GET /admin/login", "POST /admin/login", "GET /admin/login/sent",
                                                     "GET /admin/signin/{token}", "POST /admin/signin/{token}",
                                                     "POST /admin/logout"};
    if (public_routes.count(r.method + " " + r.pattern)) return Access::Public;
    return r.method == "GET" ? Access::Read : Access::Change;
}

class AdminMatrix : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig()};
};

TEST_P(AdminMatrix, EveryAdminRouteForEveryKindOfVisitor) {
    Customer customer = signUpCustomer(app_, "matrix@example.com");
    const auto key_ids = keyIdsOn(customer.browser.get("/dashboard/keys").body);
    ASSERT_EQ(key_ids.size(), 1u);
    Operator viewer = signInOperator(app_, "viewer@example.net", "viewer");
    Operator admin = signInOperator(app_, "admin@example.net", "admin");
    Operator disabled = signInOperator(app_, "disabled@example.net", "admin");
    Operator other = signInOperator(app_, "other@example.net", "viewer");
    ASSERT_EQ(operatorPost(admin, "/admin/operators", "/admin/operators/" + std::to_string(disabled.id) + "/disable",
                           {{"reason", "matrix"}})
                  .status,
              303);
    HttpClient anonymous(app_.port(), app_.publicUrl());
    const auto job_id = querySql(app_, "SELECT MIN(id) AS id FROM jobs").front().i64("id");

    auto fill = [&](const std::string& pattern) {
        std::string path = pattern;
        if (pattern.rfind("/admin/customers/", 0) == 0) return std::regex_replace(path, std::regex("\\{id\\}"), std::to_string(customer.id));
        if (pattern.rfind("/admin/operators/", 0) == 0) return std::regex_replace(path, std::regex("\\{id\\}"), std::to_string(other.id));
        if (pattern.rfind("/admin/jobs/", 0) == 0) return std::regex_replace(path, std::regex("\\{id\\}"), std::to_string(job_id));
        if (pattern.rfind("/admin/signups/", 0) == 0) return std::regex_replace(path, std::regex("\\{id\\}"), "1");
        if (pattern.rfind("/admin/signin/", 0) == 0) return std::regex_replace(path, std::regex("\\{token\\}"), "not-a-live-token");
        if (pattern.find('{') != std::string::npos) ADD_FAILURE() << "no plausible value for " << pattern << " (update this test)";
        return path;
    };
    const std::map<std::string, std::string> fields{{"reason", "matrix check"}, {"credits", "1"},
                                                    {"key_id", std::to_string(key_ids[0])}, {"role", "viewer"},
                                                    {"email", "new-op@example.net"}, {"confirm_email", "x"},
                                                    {"kind", "email.welcome"}};

    int checked = 0;
    for (const auto& route : app_.app().router().routes()) {
        if (route.pattern.rfind("/admin", 0) != 0) continue;
        const Access access = accessOf(route);
        const std::string path = fill(route.pattern);
        for (Who who : {Who::Anonymous, Who::Customer, Who::Viewer, Who::Disabled, Who::Admin}) {
            HttpClient& b = who == Who::Anonymous  ? anonymous
                            : who == Who::Customer ? customer.browser
                            : who == Who::Viewer   ? viewer.browser
                            : who == Who::Disabled ? disabled.browser
                                                   : admin.browser;
            // Signing out is checked in admin_auth_test.cpp; here it would end the sessions the matrix goes on with.
            if (route.pattern == "/admin/logout" && (who == Who::Viewer || who == Who::Admin)) continue;
            SCOPED_TRACE(route.method + " " + path + " as " + nameOf(who));
            HttpResponse r;
            if (route.method == "GET") {
                r = b.get(path);
            } else {
                // A valid token for this browser (from the console's login page or, signed in, the home page).
                const bool operator_page = (who == Who::Viewer || who == Who::Admin);
                auto form = fields;
                form["csrf_token"] = csrfOf(b.get(operator_page ? "/admin" : "/admin/login").body);
                r = b.postForm(path, form);
            }
            const bool operator_signed_in = who == Who::Viewer || who == Who::Admin;
            const std::string location = pathOf(locationOf(app_, r));
            if (access == Access::Public) {
                EXPECT_LT(r.status, 500);
                EXPECT_NE(r.status, 403) << r.body.substr(0, 300);
            } else if (!operator_signed_in) {
                EXPECT_EQ(r.status, 303) << r.body.substr(0, 300);
                EXPECT_EQ(location, "/admin/login");
            } else if (access == Access::Read) {
                EXPECT_EQ(r.status, 200) << r.body.substr(0, 300);
            } else if (who == Who::Viewer) {
                EXPECT_EQ(r.status, 403) << r.body.substr(0, 300);
            } else {
                EXPECT_TRUE(r.status == 303 || r.status == 422 || r.status == 404) << r.status << " " << r.body.substr(0, 300);
                EXPECT_NE(location, "/admin/login");
            }
            ++checked;
        }
    }
    EXPECT_GE(checked, 5 * 20) << "fewer /admin routes than the console has";
}

INSTANTIATE_TEST_SUITE_P(Backends, AdminMatrix, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
