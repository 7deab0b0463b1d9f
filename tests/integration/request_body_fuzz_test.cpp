// Issue 9 item 7 on both backends: no request body produces a 5xx. `{"x":1e99999}` was a 500; every JSON parse or
// range problem is a 400 that names what is wrong. Then a bounded, seeded fuzz loop (the same bodies on every run)
// throws mutated JSON at the API routes and mutated forms at the form routes of the real server.

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "integration/api_test_helpers.h"
#include "integration/dashboard_test_helpers.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

/// Fragments that have broken JSON and form parsers elsewhere: huge and tiny numbers, lone surrogates, NUL, bytes
/// that are not UTF-8, overlong encodings, structure characters, deep nesting, escapes cut short.
const std::vector<std::string> kDictionary = {
    "1e99999", "-1e99999", "1e-99999", "18446744073709551616", "-9223372036854775809", "1E400", "0.1e-400",
    "123456789012345678901234567890", "-0", "NaN", "Infinity", "\"\\ud800\"", "\"\\udc00\\ud800\"", "\"\\u0000\"",
    "\\u", "\\x", "\"\xff\xfe\"", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\r\n", "\0", "[", "]", "{", "}",
    ",", ":", "\"", "\\", "null", "true", "false", "[]", "{}", std::string(300, '['), std::string(300, '{'),
    "%", "%0", "%zz", "%00", "%ff", "+", "&", "=", "==", "&&", ";", "\"repository\"", "\"status\"", "\"reason\"",
    std::string(2000, 'a'), "\xe2\x80\xae", "\xef\xbb\xbf", "\"a\":1,\"a\":2", "/**/", "'", "<script>"};

class Mutator {
public:
    explicit Mutator(std::uint32_t seed) : rng_(seed) {}

    std::string mutate(std::string s) {
        const int rounds = 1 + pick(3);
        for (int r = 0; r < rounds; ++r) {
            const size_t at = s.empty() ? 0 : size_t(pick(int(s.size()) + 1));
            switch (pick(6)) {
                case 0:  // flip a byte
                    if (!s.empty()) s[std::min(at, s.size() - 1)] = char(pick(256));
                    break;
                case 1:  // insert a byte
                    s.insert(at, 1, char(pick(256)));
                    break;
                case 2:  // cut a range
                    if (!s.empty()) s.erase(std::min(at, s.size() - 1), size_t(1 + pick(8)));
                    break;
                case 3:  // insert a dictionary word
                case 4:
                    s.insert(at, kDictionary[size_t(pick(int(kDictionary.size())))]);
                    break;
                default:  // replace a value after a colon or '=' with a dictionary word
                {
                    const size_t sep = s.find_first_of(":=", at);
                    if (sep == std::string::npos) break;
                    const size_t end = s.find_first_of(",}&", sep + 1);
                    s.replace(sep + 1, end == std::string::npos ? std::string::npos : end - sep - 1,
                              kDictionary[size_t(pick(int(kDictionary.size())))]);
                }
            }
        }
        return s;
    }

    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

private:
    std::mt19937 rng_;
};

std::string printable(const std::string& s) {
    std::string out;
    for (unsigned char c : s.substr(0, 400)) {
        if (c >= 0x20 && c < 0x7f) {
            out += char(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    return out;
}

class RequestBodies : public ::testing::TestWithParam<Backend> {};

TEST_P(RequestBodies, ANumberOutOfRangeIsA400NamingIt) {
    TestApp app(GetParam(), dashboardConfig());
    const std::string key = signUpForKey(app, "numbers@example.com");
    for (const std::string body : {R"({"x":1e99999})", R"({"repository":-1e99999,"reference":"main"})",
                                   R"({"repository":"acme/app","reference":"main","commit_sha":1E400})"}) {
        const auto r = callApi(app, "POST", "/api/v1/fix-attempts", key, body);
        const std::string message = expectApiError(r, 400, "malformed_json");
        EXPECT_NE(message.find("out of range"), std::string::npos) << message;
    }
    const auto r = callApi(app, "POST", "/api/v1/fix-attempts", key, R"({"x":1e99999})");
    EXPECT_NE(expectApiError(r, 400, "malformed_json").find("1e99999"), std::string::npos)
        << "the message names the number";
    const auto start = callApi(app, "POST", "/api/v1/fix-attempts", key, R"({"repository":"a/b","reference":"main"})");
    ASSERT_EQ(start.status, 201) << start.body;
    const auto patch = callApi(app, "PATCH", "/api/v1/fix-attempts/" + std::to_string(jsonOf(start).value("id", 0)),
                               key, R"({"status":"failed","reason":"x","n":-1e99999})");
    expectApiError(patch, 400, "malformed_json");
    EXPECT_EQ(app.count("fix_attempts"), 1) << "nothing else was started";
}

TEST_P(RequestBodies, MutatedJsonNeverGetsA5xx) {
    TestApp app(GetParam(), dashboardConfig([](app::Config& c) { c.api_requests_per_minute = 1000000; }));
    const std::string key = signUpForKey(app, "fuzz-json@example.com");
    const auto started = callApi(app, "POST", "/api/v1/fix-attempts", key, R"({"repository":"a/b","reference":"main"})");
    ASSERT_EQ(started.status, 201) << started.body;
    const std::string attempt = "/api/v1/fix-attempts/" + std::to_string(jsonOf(started).value("id", 0));
    const std::vector<std::pair<std::string, std::string>> seeds = {
        {"POST /api/v1/fix-attempts", R"({"repository":"acme/widgets","reference":"main"})"},
        {"POST /api/v1/fix-attempts",
         R"({"repository":"acme/widgets","reference":"refs/heads/main","commit_sha":")" + std::string(40, 'a') +
             R"(","run_url":"https://github.com/acme/widgets/actions/runs/1"})"},
        {"PATCH " + attempt, R"({"status":"failed","reason":"the tests failed"})"},
        {"PATCH " + attempt, R"({"status":"succeeded","pull_request_url":"https://github.com/acme/widgets/pull/1"})"},
    };
    Mutator m(20261130);
    std::map<int, int> statuses;
    for (int i = 0; i < 600; ++i) {
        const auto& [route, seed] = seeds[size_t(i) % seeds.size()];
        const std::string method = route.substr(0, route.find(' '));
        const std::string path = route.substr(route.find(' ') + 1);
        const std::string body = m.mutate(seed);
        const auto r = callApi(app, method, path, key, body);
        ++statuses[r.status];
        ASSERT_TRUE(r.status >= 200 && r.status < 500)
            << "iteration " << i << ": " << route << " with " << printable(body) << " got " << r.status << " "
            << r.body;
        if (r.status >= 400) EXPECT_EQ(jsonOf(r).contains("error"), true) << r.body;
    }
    for (const auto& [status, n] : statuses) std::cout << "[ fuzz json ] " << status << ": " << n << "\n";
}

TEST_P(RequestBodies, MutatedFormsNeverGetA5xx) {
    TestApp app(GetParam(), dashboardConfig([](app::Config& c) {
        c.signups_per_ip_per_hour = 1000000;
        c.sign_in_links_per_ip_per_hour = 1000000;
    }));
    auto customer = signUpCustomer(app, "fuzz-forms@example.com");
    HttpClient visitor(app.port(), app.publicUrl());
    struct Target {
        HttpClient* browser;
        std::string page, action, fields;
    };
    const std::vector<Target> targets = {
        {&visitor, "/signup", "/signup", "email=ann%40example.com&name=Ann+O%27Brien&company=Acme"},
        {&visitor, "/login", "/login", "email=ann%40example.com&return_to=%2Fdashboard%2Fkeys"},
        {&customer.browser, "/dashboard/settings", "/dashboard/settings/profile", "name=Dana&company=Acme+Ltd"},
        {&customer.browser, "/dashboard/settings", "/dashboard/settings/email", "new_email=new%40example.com"},
        {&customer.browser, "/dashboard/settings", "/dashboard/settings/notifications", "onboarding_emails=on"},
        {&customer.browser, "/dashboard/keys", "/dashboard/keys", "name=CI+key"},
    };
    std::map<std::string, std::string> tokens;
    for (const auto& t : targets) tokens[t.action] = csrfOf(t.browser->get(t.page).body);
    Mutator m(4242);
    std::map<int, int> statuses;
    for (int i = 0; i < 360; ++i) {
        const auto& t = targets[size_t(i) % targets.size()];
        // Most bodies carry the right token, so the handler, not the CSRF check, sees the mutated fields.
        std::string body = "csrf_token=" + tokens[t.action] + "&" + t.fields;
        body = m.pick(5) == 0 ? m.mutate(body) : "csrf_token=" + tokens[t.action] + "&" + m.mutate(t.fields);
        const auto r = t.browser->request("POST", t.action, body, "application/x-www-form-urlencoded");
        ++statuses[r.status];
        ASSERT_TRUE(r.status >= 200 && r.status < 500)
            << "iteration " << i << ": POST " << t.action << " with " << printable(body) << " got " << r.status
            << " " << r.body.substr(0, 500);
        // Keep the customer signed in (a mutated email change or notice never signs out; a new page keeps a token).
        if (r.status == 403) tokens[t.action] = csrfOf(t.browser->get(t.page).body);
    }
    for (const auto& [status, n] : statuses) std::cout << "[ fuzz forms ] " << status << ": " << n << "\n";
}

INSTANTIATE_TEST_SUITE_P(Backends, RequestBodies, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
