// Issue 5, sign-in by email link: POST /login answers the same for known and unknown addresses and only the known one
// gets mail; the link is long, survives a GET, signs in once with a fresh session id (no fixation), dies after use,
// after 15 minutes and when the email changes; the per-IP and per-email throttles; a link redeemed 20 times at once
// signs in once.

#include <gtest/gtest.h>

#include <chrono>
#include <latch>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration/dashboard_test_helpers.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;

/// The headers of a response a visitor could compare, without those that differ on every response (Date, the request
/// id) and with cookie values blanked (a fresh random value each time).
std::multimap<std::string, std::string> comparableHeaders(const HttpResponse& r) {
    std::multimap<std::string, std::string> out;
    for (const auto& [k, v] : r.headers) {
        if (k == "date" || k == "x-request-id") continue;
        if (k == "set-cookie") {
            const auto eq = v.find('='), semi = v.find(';');
            out.emplace(k, v.substr(0, eq + 1) + "<value>" + (semi == std::string::npos ? "" : v.substr(semi)));
            continue;
        }
        out.emplace(k, v);
    }
    return out;
}

std::string bodyWithoutRequestId(const HttpResponse& r) {
    std::string body = r.body;
    const std::string id = r.header("x-request-id");
    if (!id.empty())
        for (size_t pos = body.find(id); pos != std::string::npos; pos = body.find(id, pos)) body.replace(pos, id.size(), "<id>");
    return body;
}

class DashboardSignIn : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig()};
};

TEST_P(DashboardSignIn, KnownAndUnknownAddressesGetTheSameAnswer) {
    const Customer c = signUpCustomer(app_, "known@example.com");
    drainJobs(app_);  // the welcome email, out of the way
    const size_t mails_before = outbox(app_).size();

    HttpClient a(app_.port(), app_.publicUrl()), b(app_.port(), app_.publicUrl());
    const auto known = requestSignInLink(a, c.email);
    const auto unknown = requestSignInLink(b, "nobody-here@example.com");
    EXPECT_EQ(known.status, 303) << known.body.substr(0, 300);
    EXPECT_EQ(unknown.status, 303) << unknown.body.substr(0, 300);
    EXPECT_EQ(pathOf(locationOf(app_, known)), "/login/sent");
    EXPECT_EQ(comparableHeaders(known), comparableHeaders(unknown));
    EXPECT_EQ(bodyWithoutRequestId(known), bodyWithoutRequestId(unknown));
    EXPECT_EQ(outbox(app_).size(), mails_before) << "the email is sent by the job worker, not the request";

    drainJobs(app_);
    const auto to_known = emailsTo(app_, c.email, kSignInSubject);
    ASSERT_EQ(to_known.size(), 1u);
    EXPECT_EQ(to_known[0].subject(), kSignInSubject);
    EXPECT_TRUE(emailsTo(app_, "nobody-here@example.com").empty()) << "an unknown address gets no email";
    EXPECT_EQ(outbox(app_).size(), mails_before + 1);

    const std::string link = signInLinkIn(to_known[0].text);
    ASSERT_FALSE(link.empty()) << to_known[0].text;
    const std::string token = tokenOf(link);
    EXPECT_GE(token.size(), 43u) << token;
    EXPECT_TRUE(std::regex_match(token, std::regex("[A-Za-z0-9_-]+"))) << "base64url: " << token;
    EXPECT_TRUE(contains(to_known[0].text, app_.publicUrl() + "/signin/" + token));
    EXPECT_EQ(findApiKey(to_known[0].everything()), "");
}

TEST_P(DashboardSignIn, LinkSignsInOnceWithAFreshSession) {
    Customer c = signUpCustomer(app_, "fresh@example.com");
    const std::string link = freshSignInLink(app_, c.email);
    ASSERT_FALSE(link.empty());

    // A browser that already has a session (the signup's) and an attacker-planted cookie would both be replaced.
    std::set<std::string> cookies_before;
    for (const auto& [name, value] : c.browser.cookies()) cookies_before.insert(value);
    const std::string old_session = c.browser.cookies().at("rsolv_session");

    // GET shows a page with a button and uses nothing up, however often.
    for (int i = 0; i < 3; ++i) {
        const auto page = c.browser.get(link);
        ASSERT_EQ(page.status, 200) << page.body.substr(0, 300);
        EXPECT_TRUE(contains(page.body, "id=\"signin-form\"")) << page.body;
        EXPECT_TRUE(contains(page.body, "Sign in"));
    }
    EXPECT_EQ(app_.count("sign_in_tokens", "used_at IS NOT NULL AND customer_id = " + std::to_string(c.id)), 0);

    const auto signed_in = redeemSignInLink(c.browser, link);
    ASSERT_EQ(signed_in.status, 303) << signed_in.body.substr(0, 300);
    // Issue 9: the first link used proves the address, so the owner reviews what existed before, then goes on.
    EXPECT_EQ(pathOf(locationOf(app_, signed_in)), "/dashboard/review");
    EXPECT_EQ(queryParam(locationOf(app_, signed_in), "return_to").value_or("<none>"), "/dashboard");
    EXPECT_TRUE(setsCookie(signed_in, "rsolv_session")) << "a new session cookie";
    const std::string new_session = c.browser.cookies()["rsolv_session"];
    EXPECT_FALSE(new_session.empty());
    EXPECT_FALSE(cookies_before.count(new_session)) << "session fixation: the cookie value was there before";
    EXPECT_EQ(c.browser.get("/dashboard/settings").status, 200);

    // The browser's previous session is gone, not just forgotten by the browser.
    HttpClient replay(app_.port(), app_.publicUrl());
    replay.cookies()["rsolv_session"] = old_session;
    expectRedirectToLogin(app_, replay.get("/dashboard/settings"), "/dashboard/settings");
    EXPECT_EQ(sessionCount(app_, c.id), 1);

    // Used up: refused from anywhere.
    HttpClient other(app_.port(), app_.publicUrl());
    const auto again = redeemSignInLink(other, link);
    EXPECT_EQ(again.status, 410) << again.body.substr(0, 300);
    EXPECT_TRUE(contains(again.body, "This link has expired")) << again.body;
    EXPECT_TRUE(contains(again.body, "href=\"/login\"")) << again.body;
    EXPECT_FALSE(other.cookies().count("rsolv_session"));
    const auto same = redeemSignInLink(c.browser, link);
    EXPECT_EQ(same.status, 410);
    EXPECT_EQ(sessionCount(app_, c.id), 1);
}

TEST_P(DashboardSignIn, PlantedSessionCookieIsReplaced) {
    const Customer c = signUpCustomer(app_, "planted@example.com");
    const std::string link = freshSignInLink(app_, c.email);
    ASSERT_FALSE(link.empty());
    HttpClient victim(app_.port(), app_.publicUrl());
    const std::string planted = "QXR0YWNrZXJDaG9zZW5TZXNzaW9uSWRPZkxlbmd0aDQzeHh4eHh4eA";
    victim.cookies()["rsolv_session"] = planted;
    const auto r = redeemSignInLink(victim, link);
    ASSERT_EQ(r.status, 303) << r.body.substr(0, 300);
    EXPECT_TRUE(setsCookie(r, "rsolv_session"));
    EXPECT_NE(victim.cookies()["rsolv_session"], planted);
    HttpClient attacker(app_.port(), app_.publicUrl());
    attacker.cookies()["rsolv_session"] = planted;
    expectRedirectToLogin(app_, attacker.get("/dashboard/keys"), "/dashboard/keys");
    EXPECT_EQ(victim.get("/dashboard/keys").status, 200);
}

TEST_P(DashboardSignIn, LinkExpiresAfterFifteenMinutes) {
    const Customer c = signUpCustomer(app_, "slow@example.com");
    const std::string early = freshSignInLink(app_, c.email);
    const std::string late = freshSignInLink(app_, c.email);
    ASSERT_FALSE(early.empty());
    ASSERT_FALSE(late.empty());
    ASSERT_NE(early, late);

    app_.clock().advance(15min - 1s);
    HttpClient in_time(app_.port(), app_.publicUrl());
    EXPECT_EQ(redeemSignInLink(in_time, early).status, 303) << "still valid a second before 15 minutes";

    app_.clock().advance(2s);
    HttpClient too_late(app_.port(), app_.publicUrl());
    const auto r = redeemSignInLink(too_late, late);
    EXPECT_EQ(r.status, 410) << r.body.substr(0, 300);
    EXPECT_TRUE(contains(r.body, "This link has expired"));
    EXPECT_FALSE(too_late.cookies().count("rsolv_session"));
}

TEST_P(DashboardSignIn, LinkDiesWhenTheEmailChanges) {
    Customer c = signUpCustomer(app_, "mover@example.com");
    const std::string old_link = freshSignInLink(app_, c.email);
    ASSERT_FALSE(old_link.empty());

    const std::string confirm = requestEmailChange(app_, c.browser, "moved@example.com");
    ASSERT_FALSE(confirm.empty());
    const auto changed = confirmEmailChange(c.browser, confirm);
    ASSERT_EQ(changed.status, 303) << changed.body.substr(0, 300);
    ASSERT_EQ(customerById(app_, c.id).email, "moved@example.com");

    HttpClient browser(app_.port(), app_.publicUrl());
    const auto r = redeemSignInLink(browser, old_link);
    EXPECT_EQ(r.status, 410) << "a link sent to the old address must die with it";
    // The new address signs in.
    HttpClient fresh(app_.port(), app_.publicUrl());
    EXPECT_EQ(signInByEmail(app_, fresh, "moved@example.com").status, 303);
}

TEST_P(DashboardSignIn, WelcomeEmailLinkLandsOnSetup) {
    const Customer c = signUpCustomer(app_, "welcomed@example.com");
    drainJobs(app_);
    const auto welcome = emailsTo(app_, c.email, "Welcome to RSOLV");
    ASSERT_EQ(welcome.size(), 1u);
    const std::string link = signInLinkIn(welcome[0].text);
    ASSERT_FALSE(link.empty()) << welcome[0].text;
    HttpClient phone(app_.port(), app_.publicUrl());
    const auto r = redeemSignInLink(phone, link);
    ASSERT_EQ(r.status, 303) << r.body.substr(0, 300);
    // Issue 9: the welcome link is the first proof of the address: the review comes first, then the setup.
    EXPECT_EQ(pathOf(locationOf(app_, r)), "/dashboard/review");
    EXPECT_EQ(queryParam(locationOf(app_, r), "return_to").value_or("<none>"), "/dashboard/setup");
    const auto review = follow(app_, phone, r);
    ASSERT_EQ(review.status, 200) << review.body.substr(0, 300);
    const auto kept = phone.postForm("/dashboard/review/keep", {{"csrf_token", csrfOf(review.body)},
                                                                 {"return_to", inputValue(review.body, "return_to")}});
    EXPECT_EQ(pathOf(locationOf(app_, kept)), "/dashboard/setup");
    EXPECT_EQ(phone.get("/dashboard/setup").status, 200);
}

TEST_P(DashboardSignIn, MalformedAddressIsShownNextToTheFieldAndSendsNothing) {
    HttpClient browser(app_.port(), app_.publicUrl());
    const auto r = browser.postForm("/login", {{"csrf_token", csrfOf(browser.get("/login").body)},
                                               {"email", "not an address"},
                                               {"return_to", "/dashboard/keys"}});
    EXPECT_EQ(r.status, 422) << r.body.substr(0, 300);
    EXPECT_TRUE(contains(r.body, "id=\"email-error\"")) << "the error is next to the field";
    EXPECT_EQ(inputValue(r.body, "email"), "not an address") << "the value is kept";
    EXPECT_EQ(inputValue(r.body, "return_to"), "/dashboard/keys") << "the way back is kept";
    EXPECT_EQ(app_.count("jobs", "kind = 'email.sign_in'"), 0);
}

TEST_P(DashboardSignIn, SignedInVisitorsSkipTheLoginPage) {
    Customer c = signUpCustomer(app_, "already@example.com");
    const auto r = c.browser.get("/login?return_to=%2Fdashboard%2Fkeys");
    EXPECT_EQ(r.status, 303);
    EXPECT_EQ(locationOf(app_, r), "/dashboard/keys");
}

TEST_P(DashboardSignIn, PerIpThrottle) {
    HttpClient browser(app_.port(), app_.publicUrl());
    const std::string token = csrfOf(browser.get("/login").body);
    ASSERT_FALSE(token.empty());
    for (int i = 1; i <= 20; ++i) {
        const auto r = browser.postForm("/login", {{"csrf_token", token}, {"email", nthEmail("someone", i)}});
        ASSERT_EQ(r.status, 303) << "request " << i << ": " << r.body.substr(0, 300);
    }
    const auto refused = browser.postForm("/login", {{"csrf_token", token}, {"email", "someone21@example.com"}});
    EXPECT_EQ(refused.status, 429) << refused.body.substr(0, 300);
    EXPECT_FALSE(refused.header("retry-after").empty());
    // Another browser on the same address (IP) is throttled too.
    HttpClient other(app_.port(), app_.publicUrl());
    EXPECT_EQ(requestSignInLink(other, "someone22@example.com").status, 429);

    app_.clock().advance(61min);
    EXPECT_EQ(browser.postForm("/login", {{"csrf_token", token}, {"email", "later@example.com"}}).status, 303)
        << "an hour later the window has moved on";
}

TEST_P(DashboardSignIn, PerEmailLimitSendsNothingMore) {
    const Customer c = signUpCustomer(app_, "popular@example.com");
    drainJobs(app_);
    HttpClient browser(app_.port(), app_.publicUrl());
    for (int i = 1; i <= 7; ++i) EXPECT_EQ(requestSignInLink(browser, c.email).status, 303) << "request " << i;
    drainJobs(app_);
    EXPECT_EQ(emailsTo(app_, c.email, kSignInSubject).size(), 5u) << "five links an hour per address";
}

TEST_P(DashboardSignIn, FinishedSignInJobsKeepNoAddress) {
    signUpCustomer(app_, "kept@example.com");
    HttpClient browser(app_.port(), app_.publicUrl());
    EXPECT_EQ(requestSignInLink(browser, "kept@example.com").status, 303);
    EXPECT_EQ(requestSignInLink(browser, "nobody-here@example.com").status, 303);
    drainJobs(app_);
    const auto rows = querySql(app_, "SELECT state, payload FROM jobs WHERE kind = 'email.sign_in'");
    ASSERT_EQ(rows.size(), 2u);
    for (size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(rows[i].str("state"), "completed");
        EXPECT_FALSE(contains(rows[i].str("payload"), "@")) << "an address typed at /login outlives its job: "
                                                            << rows[i].str("payload");
    }
}

TEST_P(DashboardSignIn, LinkRedeemedTwentyTimesAtOnceSignsInOnce) {
    const Customer c = signUpCustomer(app_, "racer@example.com");
    const std::string link = freshSignInLink(app_, c.email);
    ASSERT_FALSE(link.empty());
    const std::int64_t sessions_before = sessionCount(app_, c.id);

    constexpr int kThreads = 20;
    std::vector<HttpClient> browsers;
    std::vector<std::string> tokens;
    for (int i = 0; i < kThreads; ++i) {
        browsers.emplace_back(app_.port(), app_.publicUrl());
        const auto page = browsers.back().get(link);
        ASSERT_EQ(page.status, 200);
        tokens.push_back(csrfOf(page.body));
        ASSERT_FALSE(tokens.back().empty());
    }
    std::vector<HttpResponse> results(kThreads);
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            results[size_t(i)] = browsers[size_t(i)].postForm(pathOf(link), {{"csrf_token", tokens[size_t(i)]}});
        });
    for (auto& t : threads) t.join();

    int signed_in = 0, refused = 0;
    std::string others;
    for (const auto& r : results) {
        if (r.status == 303) ++signed_in;
        else if (r.status == 410) ++refused;
        else others += std::to_string(r.status) + " ";
    }
    EXPECT_EQ(signed_in, 1);
    EXPECT_EQ(refused, kThreads - 1) << "other answers: " << others;
    // The link is the first proof of the address, which also ends the signup's session (issue 9, pre-hijacking).
    EXPECT_EQ(sessionCount(app_, c.id), 1) << "exactly one session row, the new one (" << sessions_before
                                            << " before)";
    int with_cookie = 0;
    for (auto& b : browsers) with_cookie += b.cookies().count("rsolv_session") ? 1 : 0;
    EXPECT_EQ(with_cookie, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, DashboardSignIn, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
