// The web front of signup on both backends: CSRF and origin checks, body limits, security headers on every response,
// the one-time key page, sign-out, and the health endpoints.

#include <gtest/gtest.h>

#include <Poco/Exception.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "integration/signup_test_helpers.h"
#include "storage/migrations.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;

const char* const kFormType = "application/x-www-form-urlencoded";

void expectNothingCreated(TestApp& app) {
    EXPECT_EQ(app.count("customers"), 0);
    EXPECT_EQ(app.count("api_keys"), 0);
    EXPECT_EQ(app.count("sessions"), 0);
    EXPECT_EQ(app.count("flashes"), 0);
    EXPECT_EQ(app.count("rate_limit_hits"), 0);
}

/// A refused form post: 403, an error page that names the request, no session.
void expectForbidden(const HttpResponse& res, const std::string& why) {
    SCOPED_TRACE(why);
    EXPECT_EQ(res.status, 403) << res.body;
    EXPECT_NE(res.body.find(res.header("x-request-id")), std::string::npos) << "no request id on the error page";
    EXPECT_FALSE(setsCookie(res, "rsolv_session"));
    expectSecurityHeaders(res, why);
}

std::map<std::string, std::string> signupFields(const std::string& token) {
    return {{"csrf_token", token}, {"email", "jane@example.com"}, {"name", "Jane Doe"}};
}

// ---------------------------------------------------------------------------------------------------------------- CSRF

class SignupCsrf : public ::testing::TestWithParam<Backend> {};

TEST_P(SignupCsrf, RejectsMissingOrWrongToken) {
    TestApp app(GetParam(), signupConfig());
    HttpClient browser(app.port(), app.publicUrl());
    ASSERT_EQ(browser.get("/signup").status, 200);  // the browser has its pre-session cookie

    const auto missing = browser.postForm("/signup", {{"email", "jane@example.com"}, {"name", "Jane Doe"}});
    expectForbidden(missing, "no csrf_token");
    EXPECT_NE(missing.body.find("This form has expired or was not sent from our site"), std::string::npos);

    expectForbidden(browser.postForm("/signup", signupFields("")), "empty csrf_token");
    expectForbidden(browser.postForm("/signup", signupFields("not-a-token")), "wrong csrf_token");
    const std::string good = browser.csrfToken();
    std::string flipped = good;
    flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
    expectForbidden(browser.postForm("/signup", signupFields(flipped)), "token with one character changed");
    expectForbidden(browser.postForm("/signup", signupFields(good + good)), "token doubled");
    expectNothingCreated(app);

    // The untouched token still works: the refusals were about the token, not the browser.
    EXPECT_EQ(browser.postForm("/signup", signupFields(good)).status, 303);
}

TEST_P(SignupCsrf, RejectsTokenFromAnotherBrowser) {
    TestApp app(GetParam(), signupConfig());
    HttpClient alice(app.port(), app.publicUrl());
    const std::string alices_token = alice.csrfToken();
    ASSERT_FALSE(alices_token.empty());

    HttpClient mallory(app.port(), app.publicUrl());
    ASSERT_EQ(mallory.get("/signup").status, 200);  // her own pre-session cookie
    expectForbidden(mallory.postForm("/signup", signupFields(alices_token)), "token bound to another pre-session cookie");

    HttpClient cookieless(app.port(), app.publicUrl());
    expectForbidden(cookieless.postForm("/signup", signupFields(alices_token)), "token without any cookie");

    // A signed-in browser's token does not work for a browser that is not signed in, and the other way round.
    HttpClient signed_in(app.port(), app.publicUrl());
    ASSERT_EQ(signed_in.signup("bob@example.com", "Bob").status, 303);
    const std::string session_token = signed_in.csrfToken("/welcome");
    ASSERT_FALSE(session_token.empty());
    expectForbidden(mallory.postForm("/logout", {{"csrf_token", session_token}}), "session token in another browser");
    expectForbidden(signed_in.postForm("/signup", {{"csrf_token", alices_token},
                                                   {"email", "carol@example.com"},
                                                   {"name", "Carol"}}),
                    "pre-session token after signing in");
    EXPECT_EQ(app.count("customers"), 1);
    EXPECT_EQ(app.count("sessions"), 1);
}

TEST_P(SignupCsrf, RejectsCrossSiteRequestsEvenWithAValidToken) {
    TestApp app(GetParam(), signupConfig());
    HttpClient browser(app.port(), app.publicUrl());
    const std::string token = browser.csrfToken();

    for (const std::string origin : {"https://evil.example", "null", "http://rsolv.test.evil.example",
                                     "https://rsolv.test", "http://rsolv.test:8080"}) {
        const auto res = browser.postForm("/signup", signupFields(token), {{"Origin", origin}});
        expectForbidden(res, "Origin: " + origin);
        EXPECT_NE(res.body.find("This form was sent from another site"), std::string::npos) << origin;
    }

    browser.sendOrigin = false;
    for (const std::string site : {"cross-site", "same-site"})
        expectForbidden(browser.postForm("/signup", signupFields(token), {{"Sec-Fetch-Site", site}}),
                        "no Origin, Sec-Fetch-Site: " + site);
    expectNothingCreated(app);

    // Our own page, as an old browser or one that sends only fetch metadata would post it.
    const auto same = browser.postForm("/signup", signupFields(token), {{"Sec-Fetch-Site", "same-origin"}});
    EXPECT_EQ(same.status, 303) << same.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, SignupCsrf, kBothBackends, backendName);

// ------------------------------------------------------------------------------------------------------- Body limits

class SignupBodyLimits : public ::testing::TestWithParam<Backend> {};

TEST_P(SignupBodyLimits, OversizedBodyIs413) {
    TestApp app(GetParam(), signupConfig());
    HttpClient browser(app.port(), app.publicUrl());
    const std::string token = browser.csrfToken();
    const std::string prefix = "csrf_token=" + token + "&email=jane%40example.com&name=";

    for (const size_t size : {size_t(1024 * 1024), app.config().max_body_bytes + 1}) {
        SCOPED_TRACE("body of " + std::to_string(size) + " bytes");
        const std::string body = prefix + std::string(size - prefix.size(), 'a');
        HttpResponse res;
        try {
            res = browser.request("POST", "/signup", body, kFormType);
        } catch (const Poco::Exception& e) {
            FAIL() << "the server did not answer with a status: " << e.displayText();
        }
        EXPECT_EQ(res.status, 413) << res.body;
        EXPECT_NE(res.body.find("larger than " + std::to_string(app.config().max_body_bytes) + " bytes"),
                  std::string::npos)
            << res.body;
        EXPECT_NE(res.body.find(res.header("x-request-id")), std::string::npos);
        expectSecurityHeaders(res, "413");
    }
    expectNothingCreated(app);

    // A body exactly at the limit is read (and here refused only for its over-long name).
    const std::string at_limit = prefix + std::string(app.config().max_body_bytes - prefix.size(), 'a');
    const auto res = browser.request("POST", "/signup", at_limit, kFormType);
    EXPECT_EQ(res.status, 422) << res.body;
    EXPECT_EQ(fieldError(res.body, "name"), "Please keep this to 100 characters or fewer.");
}

TEST_P(SignupBodyLimits, WrongContentTypeIs415) {
    TestApp app(GetParam(), signupConfig());
    HttpClient browser(app.port(), app.publicUrl());
    const std::string token = browser.csrfToken();
    const std::string form = "csrf_token=" + token + "&email=jane%40example.com&name=Jane";
    const std::string json = R"({"csrf_token":")" + token + R"(","email":"jane@example.com","name":"Jane"})";

    const std::vector<std::pair<std::string, std::string>> cases = {
        {"text/plain", form},
        {"text/plain; charset=utf-8", form},
        {"application/json", json},
        {"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nj@x.com\r\n--x--"},
    };
    for (const auto& [type, body] : cases) {
        SCOPED_TRACE(type);
        const auto res = browser.request("POST", "/signup", body, type);
        EXPECT_EQ(res.status, 415) << res.body;
        EXPECT_NE(res.body.find("application/x-www-form-urlencoded"), std::string::npos) << res.body;
        EXPECT_NE(res.body.find(res.header("x-request-id")), std::string::npos);
        expectSecurityHeaders(res, "415");
    }
    expectNothingCreated(app);

    // The same form with its proper type goes through; the type is matched without regard to case or parameters.
    const auto ok = browser.request("POST", "/signup", form, "Application/X-WWW-Form-URLEncoded; charset=UTF-8");
    EXPECT_EQ(ok.status, 303) << ok.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, SignupBodyLimits, kBothBackends, backendName);

// -------------------------------------------------------------------------------------------------- Security headers

class SignupSecurityHeaders : public ::testing::TestWithParam<Backend> {};

TEST_P(SignupSecurityHeaders, EveryResponseCarriesSecurityHeaders) {
    TestApp app(GetParam(), signupConfig([](app::Config& c) { c.signups_per_ip_per_hour = 1; }));
    HttpClient browser(app.port(), app.publicUrl());
    struct Seen {
        std::string what;
        int expected;
        HttpResponse res;
        bool html_error;  ///< an HTML page that must show the request id
    };
    std::vector<Seen> seen;
    const auto add = [&](std::string what, int expected, HttpResponse res, bool html_error) {
        seen.push_back({std::move(what), expected, std::move(res), html_error});
    };

    add("GET /", 200, browser.get("/"), false);
    add("GET /signup", 200, browser.get("/signup"), false);
    add("GET /static/app.css", 200, browser.get("/static/app.css"), false);
    add("GET /healthz", 200, browser.get("/healthz"), false);
    add("GET /readyz", 200, browser.get("/readyz"), false);
    add("GET /nope", 404, browser.get("/nope"), true);
    add("PUT /signup", 405, browser.request("PUT", "/signup", "x=1", kFormType), true);
    add("GET /logout", 405, browser.get("/logout"), true);
    add("POST 1 MB", 413, browser.request("POST", "/signup", std::string(1024 * 1024, 'a'), kFormType), true);
    add("POST text/plain", 415, browser.request("POST", "/signup", "a=b", "text/plain"), true);
    add("POST without token", 403, browser.postForm("/signup", {{"email", "jane@example.com"}}), true);
    add("POST invalid", 422, browser.signup("not-an-email", "Jane"), true);

    app.app().provisioning().setStepObserver([](std::string_view s) {
        if (s == "rate_limit") throw std::runtime_error("injected");
    });
    add("POST with a fault", 500, browser.signup("jane@example.com", "Jane"), true);
    app.app().provisioning().setStepObserver({});

    add("POST signup", 303, browser.signup("jane@example.com", "Jane"), false);
    add("GET /welcome", 200, browser.get("/welcome"), false);
    HttpClient second(app.port(), app.publicUrl());
    add("POST over the IP limit", 429, second.signup("bob@example.com", "Bob"), true);
    add("GET /welcome signed out", 303, second.get("/welcome"), false);

    for (const auto& s : seen) {
        SCOPED_TRACE(s.what);
        EXPECT_EQ(s.res.status, s.expected) << s.res.body;
        expectSecurityHeaders(s.res, s.what);
        const std::string id = s.res.header("x-request-id");
        EXPECT_EQ(id.size(), 16u) << id;
        if (s.html_error) {
            EXPECT_NE(s.res.body.find("Request id: <code>" + id + "</code>"), std::string::npos) << s.res.body;
        }
        if (s.res.status == 405) {
            EXPECT_FALSE(s.res.header("allow").empty());
        }
        if (s.res.status == 404 || s.res.status == 405) {
            EXPECT_NE(s.res.header("content-type").find("text/html"), std::string::npos);
        }
    }
    // Request ids are unique per request.
    std::set<std::string> ids;
    for (const auto& s : seen) ids.insert(s.res.header("x-request-id"));
    EXPECT_EQ(ids.size(), seen.size());
}

INSTANTIATE_TEST_SUITE_P(Backends, SignupSecurityHeaders, kBothBackends, backendName);

// ----------------------------------------------------------------------------------------------------------- Session

class SignupSession : public ::testing::TestWithParam<Backend> {};

TEST_P(SignupSession, WelcomeShowsTheKeyOnceAndIsNeverCached) {
    TestApp app(GetParam(), signupConfig());
    HttpClient browser(app.port(), app.publicUrl());
    ASSERT_EQ(browser.signup("jane@example.com", "Jane Doe").status, 303);

    const auto first = browser.get("/welcome");
    ASSERT_EQ(first.status, 200);
    EXPECT_EQ(first.header("cache-control"), "no-store");
    const std::string key = findApiKey(first.body);
    ASSERT_FALSE(key.empty());
    EXPECT_NE(first.body.find("it is shown only once"), std::string::npos);

    const auto reload = browser.get("/welcome");
    ASSERT_EQ(reload.status, 200);
    EXPECT_EQ(reload.header("cache-control"), "no-store");
    EXPECT_EQ(findApiKey(reload.body), "");
    EXPECT_EQ(reload.body.find(key.substr(10)), std::string::npos);
    EXPECT_NE(reload.body.find("was shown once, when you signed up"), std::string::npos);
}

TEST_P(SignupSession, WelcomeWithoutASessionRedirectsToSignup) {
    TestApp app(GetParam(), signupConfig());
    HttpClient stranger(app.port(), app.publicUrl());
    const auto res = stranger.get("/welcome");
    EXPECT_EQ(res.status, 303);
    EXPECT_EQ(res.header("location"), app.publicUrl() + "/signup");

    stranger.cookies()["rsolv_session"] = "forged-session-value-0123456789abcdef";
    const auto forged = stranger.get("/welcome");
    EXPECT_EQ(forged.status, 303);
    EXPECT_EQ(forged.header("location"), app.publicUrl() + "/signup");
}

TEST_P(SignupSession, LogoutWithTheTokenEndsTheSession) {
    TestApp app(GetParam(), signupConfig());
    HttpClient browser(app.port(), app.publicUrl());
    ASSERT_EQ(browser.signup("jane@example.com", "Jane Doe").status, 303);
    const std::string old_cookie = browser.cookies().at("rsolv_session");
    const auto welcome = browser.get("/welcome");
    ASSERT_EQ(welcome.status, 200);
    const std::string token = formValue(welcome.body, "csrf_token");
    ASSERT_FALSE(token.empty()) << "no sign-out form on the welcome page";

    // Without the token the session survives.
    expectForbidden(browser.postForm("/logout", {}), "logout without a token");
    EXPECT_EQ(browser.get("/welcome").status, 200);

    const auto out = browser.postForm("/logout", {{"csrf_token", token}});
    EXPECT_EQ(out.status, 303) << out.body;
    EXPECT_EQ(out.header("location"), app.publicUrl() + "/login?notice=signed_out");
    bool cleared = false;
    for (const auto& c : setCookies(out))
        if (c.rfind("rsolv_session=;", 0) == 0 && c.find("Max-Age=0") != std::string::npos) cleared = true;
    EXPECT_TRUE(cleared) << "the session cookie was not cleared";
    EXPECT_EQ(app.count("sessions"), 0);

    EXPECT_EQ(browser.get("/welcome").status, 303);
    HttpClient replay(app.port(), app.publicUrl());
    replay.cookies()["rsolv_session"] = old_cookie;
    const auto again = replay.get("/welcome");
    EXPECT_EQ(again.status, 303) << "the old session cookie still opens /welcome";
    EXPECT_EQ(again.header("location"), app.publicUrl() + "/signup");
    EXPECT_EQ(app.count("customers"), 1) << "signing out keeps the account";
}

TEST_P(SignupSession, SessionEndsAfterIdleTimeout) {
    TestApp app(GetParam(), signupConfig());
    HttpClient browser(app.port(), app.publicUrl());
    ASSERT_EQ(browser.signup("jane@example.com", "Jane Doe").status, 303);
    app.clock().advance(29min);
    EXPECT_EQ(browser.get("/welcome").status, 200);
    app.clock().advance(std::chrono::minutes(app.config().session_idle_minutes) + 1min);
    EXPECT_EQ(browser.get("/welcome").status, 303);
}

INSTANTIATE_TEST_SUITE_P(Backends, SignupSession, kBothBackends, backendName);

// ------------------------------------------------------------------------------------------------------------ Health

class SignupHealth : public ::testing::TestWithParam<Backend> {};

TEST_P(SignupHealth, HealthzAndReadyzAnswer) {
    TestApp app(GetParam(), signupConfig());
    HttpClient client(app.port(), app.publicUrl());
    const auto health = client.get("/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(nlohmann::json::parse(health.body).value("status", ""), "ok");

    const auto ready = client.get("/readyz");
    ASSERT_EQ(ready.status, 200) << ready.body;
    EXPECT_NE(ready.header("content-type").find("application/json"), std::string::npos);
    const auto body = nlohmann::json::parse(ready.body);
    EXPECT_EQ(body.value("status", ""), "ready");
    EXPECT_EQ(body.value("database", ""), "ok");
    const auto migrations = storage::embeddedMigrations(app.db().dialect());
    ASSERT_FALSE(migrations.empty());
    EXPECT_EQ(body.value("schema_version", -1), migrations.back().version);
    EXPECT_EQ(body.value("expected_schema_version", -1), migrations.back().version);
}

INSTANTIATE_TEST_SUITE_P(Backends, SignupHealth, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
