// Signup rate limits on both backends: 3 per canonical email per rolling 24 h, 10 per client IP per rolling hour,
// exact under concurrency, and X-Forwarded-For believed only from configured proxies.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "integration/signup_test_helpers.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;

/// One signup from a new browser, optionally through a proxy that names the client in X-Forwarded-For.
HttpResponse signupFrom(TestApp& app, const std::string& email, const std::string& xff = "") {
    HttpClient browser(app.port(), app.publicUrl());
    std::map<std::string, std::string> headers;
    if (!xff.empty()) headers["X-Forwarded-For"] = xff;
    return browser.signup(email, "Jane Doe", "", headers);
}

void expectRateLimitedPage(const HttpResponse& res, const std::string& scope_text) {
    EXPECT_EQ(res.status, 429) << res.body;
    EXPECT_FALSE(res.header("retry-after").empty());
    EXPECT_NE(res.body.find("Too many sign-ups"), std::string::npos) << res.body;
    EXPECT_NE(res.body.find(scope_text), std::string::npos) << res.body;
    EXPECT_NE(res.body.find("Please try again in about"), std::string::npos);
    EXPECT_FALSE(setsCookie(res, "rsolv_session"));
    expectSecurityHeaders(res, "429 page");
}

class SignupRateLimit : public ::testing::TestWithParam<Backend> {};

// RFC-065 "enforces rate limits", per email: the duplicates count, and the limit follows the canonical address.
TEST_P(SignupRateLimit, EnforcesRateLimitsPerEmailPerRolling24Hours) {
    TestApp app(GetParam(), signupConfig());
    EXPECT_EQ(signupFrom(app, "Jane.Doe+1@gmail.com").status, 303);
    EXPECT_EQ(signupFrom(app, "janedoe+2@googlemail.com").status, 200);
    app.clock().advance(20h);
    EXPECT_EQ(signupFrom(app, "j.a.n.e.doe@gmail.com").status, 200);

    const auto fourth = signupFrom(app, "JANEDOE@GMAIL.COM");
    expectRateLimitedPage(fourth, "This email address has been used to sign up several times today");
    EXPECT_EQ(fourth.header("retry-after"), std::to_string(4 * 3600));  // the first attempt leaves the window then
    EXPECT_NE(fourth.body.find("about <strong>4 hours</strong>"), std::string::npos) << fourth.body;
    EXPECT_EQ(app.count("customers"), 1);
    EXPECT_EQ(app.count("provisioning_events", "event_type = 'signup_rejected'"), 1);

    // Another address from the same client is not held back by this one.
    EXPECT_EQ(signupFrom(app, "someone.else@example.com").status, 303);

    app.clock().advance(4h);  // 24 h after the first two attempts: their two slots free up, the third's does not
    EXPECT_EQ(signupFrom(app, "janedoe@gmail.com").status, 200);
    EXPECT_EQ(signupFrom(app, "janedoe@gmail.com").status, 200);
    EXPECT_EQ(signupFrom(app, "janedoe@gmail.com").status, 429);
    app.clock().advance(24h);
    EXPECT_EQ(signupFrom(app, "janedoe@gmail.com").status, 200);
    EXPECT_EQ(app.count("customers", "email_canonical = 'janedoe@gmail.com'"), 1);
}

TEST_P(SignupRateLimit, FourthSignupOfOneEmailWithinADayIs429UntilADayHasPassed) {
    TestApp app(GetParam(), signupConfig());
    EXPECT_EQ(signupFrom(app, "jane@example.com").status, 303);
    EXPECT_EQ(signupFrom(app, "jane@example.com").status, 200);
    EXPECT_EQ(signupFrom(app, "jane@example.com").status, 200);
    const auto fourth = signupFrom(app, "jane@example.com");
    expectRateLimitedPage(fourth, "This email address has been used to sign up several times today");
    EXPECT_EQ(fourth.header("retry-after"), "86400");
    EXPECT_NE(fourth.body.find("about <strong>24 hours</strong>"), std::string::npos) << fourth.body;

    app.clock().advance(24h);
    const auto later = signupFrom(app, "jane@example.com");
    EXPECT_EQ(later.status, 200) << later.body;
    EXPECT_EQ(app.count("customers"), 1);
}

TEST_P(SignupRateLimit, EnforcesRateLimitsPerIpPerRollingHour) {
    TestApp app(GetParam(), signupConfig());
    for (int i = 0; i < 10; ++i) EXPECT_EQ(signupFrom(app, nthEmail("user", i)).status, 303) << i;
    const auto eleventh = signupFrom(app, nthEmail("user", 10));
    expectRateLimitedPage(eleventh, "many sign-ups from your network");
    EXPECT_EQ(eleventh.header("retry-after"), "3600");
    EXPECT_EQ(app.count("customers"), 10);
    EXPECT_EQ(app.count("customers", "email_canonical = 'user10@example.com'"), 0);

    app.clock().advance(std::chrono::minutes(61));
    EXPECT_EQ(signupFrom(app, nthEmail("user", 10)).status, 303);
    EXPECT_EQ(app.count("customers"), 11);
}

TEST_P(SignupRateLimit, PerIpWindowSlides) {
    TestApp app(GetParam(), signupConfig());
    for (int i = 0; i < 5; ++i) ASSERT_EQ(signupFrom(app, nthEmail("early", i)).status, 303) << i;
    app.clock().advance(30min);
    for (int i = 0; i < 5; ++i) ASSERT_EQ(signupFrom(app, nthEmail("late", i)).status, 303) << i;
    const auto blocked = signupFrom(app, "blocked@example.com");
    EXPECT_EQ(blocked.status, 429);
    EXPECT_EQ(blocked.header("retry-after"), "1800");  // when the oldest hit leaves the hour

    app.clock().advance(31min);  // the first five have left the window, the last five have not
    for (int i = 0; i < 5; ++i) EXPECT_EQ(signupFrom(app, nthEmail("again", i)).status, 303) << i;
    EXPECT_EQ(signupFrom(app, "blocked@example.com").status, 429);
    EXPECT_EQ(app.count("customers"), 15);
}

INSTANTIATE_TEST_SUITE_P(Backends, SignupRateLimit, kBothBackends, backendName);

class SignupConcurrency : public ::testing::TestWithParam<Backend> {};

TEST_P(SignupConcurrency, FiftyConcurrentSignupsFromOneIpAdmitExactlyTen) {
    TestApp app(GetParam(), signupConfig());
    constexpr int kThreads = 50;
    std::vector<HttpResponse> results(kThreads);
    std::vector<std::string> failures(kThreads);
    std::latch ready(kThreads);
    {
        std::vector<std::jthread> threads;
        for (int i = 0; i < kThreads; ++i)
            threads.emplace_back([&, i] {
                try {
                    HttpClient browser(app.port(), app.publicUrl());
                    const std::string token = browser.csrfToken();
                    ready.arrive_and_wait();
                    results[i] = browser.postForm(
                        "/signup", {{"csrf_token", token}, {"email", nthEmail("racer", i)}, {"name", "Racer"}});
                } catch (const std::exception& e) {
                    failures[i] = e.what();
                }
            });
    }
    std::map<int, int> by_status;
    for (int i = 0; i < kThreads; ++i) {
        EXPECT_EQ(failures[i], "") << "request " << i;
        ++by_status[results[i].status];
    }
    EXPECT_EQ(by_status[303], 10);
    EXPECT_EQ(by_status[429], 40);
    EXPECT_EQ(by_status.size(), 2u) << "unexpected statuses";
    EXPECT_EQ(app.count("customers"), 10);
    EXPECT_EQ(app.count("api_keys"), 10);
    EXPECT_EQ(app.count("rate_limit_hits", "bucket = 'signup:ip:127.0.0.1'"), 10);
}

TEST_P(SignupConcurrency, TwentyConcurrentSignupsOfOneEmailCreateOneCustomer) {
    TestApp app(GetParam(), signupConfig([](app::Config& c) { c.trusted_proxies = {"127.0.0.1/32"}; }));
    constexpr int kThreads = 20;
    std::vector<HttpResponse> results(kThreads);
    std::vector<std::string> failures(kThreads);
    std::latch ready(kThreads);
    {
        std::vector<std::jthread> threads;
        for (int i = 0; i < kThreads; ++i)
            threads.emplace_back([&, i] {
                try {
                    HttpClient browser(app.port(), app.publicUrl());
                    const std::string token = browser.csrfToken();
                    ready.arrive_and_wait();
                    results[i] = browser.postForm(
                        "/signup", {{"csrf_token", token}, {"email", "jane.doe@example.com"}, {"name", "Jane"}},
                        {{"X-Forwarded-For", "203.0.113." + std::to_string(i + 1)}});
                } catch (const std::exception& e) {
                    failures[i] = e.what();
                }
            });
    }
    std::map<int, int> by_status;
    for (int i = 0; i < kThreads; ++i) {
        EXPECT_EQ(failures[i], "") << "request " << i;
        const int s = results[i].status;
        EXPECT_TRUE(s == 303 || s == 200 || s == 429) << "request " << i << " got " << s << ": " << results[i].body;
        ++by_status[s];
    }
    EXPECT_EQ(app.count("customers"), 1);
    EXPECT_EQ(app.count("api_keys"), 1);
    // Exactly three get past the per-email limit: one creates the account, two see it as a duplicate.
    EXPECT_EQ(by_status[303], 1);
    EXPECT_EQ(by_status[200], 2);
    EXPECT_EQ(by_status[429], 17);
}

INSTANTIATE_TEST_SUITE_P(Backends, SignupConcurrency, kBothBackends, backendName);

class SignupClientIp : public ::testing::TestWithParam<Backend> {};

TEST_P(SignupClientIp, ForwardedForFromUntrustedPeerIsIgnored) {
    TestApp app(GetParam(), signupConfig());  // no trusted proxies
    for (int i = 0; i < 10; ++i)
        EXPECT_EQ(signupFrom(app, nthEmail("user", i), "198.51.100." + std::to_string(i + 1)).status, 303) << i;
    const auto eleventh = signupFrom(app, nthEmail("user", 10), "198.51.100.11");
    EXPECT_EQ(eleventh.status, 429) << "X-Forwarded-For from an untrusted peer let a client pick its own address";
    EXPECT_EQ(app.count("rate_limit_hits", "bucket LIKE 'signup:ip:198.51.100.%'"), 0);
    EXPECT_EQ(app.count("sessions", "ip <> '127.0.0.1'"), 0);
}

TEST_P(SignupClientIp, ForwardedForFromTrustedProxyCountsEachClient) {
    TestApp app(GetParam(), signupConfig([](app::Config& c) { c.trusted_proxies = {"127.0.0.1/32"}; }));
    for (int i = 0; i < 11; ++i)
        EXPECT_EQ(signupFrom(app, nthEmail("user", i), "198.51.100." + std::to_string(i + 1)).status, 303) << i;
    EXPECT_EQ(app.count("customers"), 11);
    EXPECT_EQ(app.count("sessions", "ip = '198.51.100.11'"), 1);
    EXPECT_EQ(app.count("rate_limit_hits", "bucket = 'signup:ip:127.0.0.1'"), 0);

    // One client behind the proxy still has its own limit.
    for (int i = 0; i < 9; ++i) EXPECT_EQ(signupFrom(app, nthEmail("same", i), "198.51.100.1").status, 303) << i;
    EXPECT_EQ(signupFrom(app, "one.too.many@example.com", "198.51.100.1").status, 429);
}

TEST_P(SignupClientIp, RightmostUntrustedEntryIsTheClient) {
    TestApp app(GetParam(), signupConfig([](app::Config& c) { c.trusted_proxies = {"127.0.0.1/32", "10.0.0.0/8"}; }));
    const auto res = signupFrom(app, "jane@example.com", "1.2.3.4, 10.0.0.1");
    ASSERT_EQ(res.status, 303) << res.body;
    EXPECT_EQ(app.count("sessions", "ip = '1.2.3.4'"), 1);
    EXPECT_EQ(app.count("rate_limit_hits", "bucket = 'signup:ip:1.2.3.4'"), 1);

    // A spoofed left-most entry does not change who the client is: "6.6.6.6" is what the client claimed, 1.2.3.4 is
    // what our proxy saw.
    for (int i = 0; i < 9; ++i)
        EXPECT_EQ(signupFrom(app, nthEmail("user", i), "6.6.6." + std::to_string(i) + ", 1.2.3.4, 10.0.0.2").status,
                  303)
            << i;
    EXPECT_EQ(signupFrom(app, "one.too.many@example.com", "1.2.3.4").status, 429);
    EXPECT_EQ(app.count("rate_limit_hits", "bucket = 'signup:ip:1.2.3.4'"), 10);
    EXPECT_EQ(app.count("rate_limit_hits", "bucket LIKE 'signup:ip:6.6.6.%'"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, SignupClientIp, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
