// Issue 9: bot signups without a third party (honeypot, signed render time, a proof-of-work challenge), and
// enumeration and mail abuse through email change and "sign out everywhere".

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>

#include "integration/dashboard_test_helpers.h"

namespace rsolv::test {
namespace {

std::int64_t rejections(TestApp& app, const std::string& reason) {
    return querySql(app, "SELECT COUNT(*) AS n FROM provisioning_events WHERE CAST(details AS TEXT) LIKE $1",
                    {"%\"reason\":%\"" + reason + "\"%"})  // jsonb's text has a space after the colon
        .front()
        .i64("n");
}

/// The fields of a form page a browser would send back: every hidden input plus `fields`.
std::map<std::string, std::string> formFields(const std::string& html, std::map<std::string, std::string> fields) {
    for (const char* hidden : {"csrf_token", "form_ts", "challenge_salt", "challenge_hash", "challenge_signature",
                               "return_to"}) {
        const std::string v = formValue(html, hidden);
        if (!v.empty() && !fields.count(hidden)) fields[hidden] = v;
    }
    return fields;
}

/// Solves the page's proof-of-work as challenge.js does: the n with SHA-256(salt + n) = challenge.
std::string solveChallenge(const std::string& html) {
    const std::string salt = formValue(html, "challenge_salt");
    const std::string target = formValue(html, "challenge_hash");
    for (int n = 0; n <= 1000000; ++n) {
        const std::string text = salt + std::to_string(n);
        unsigned char digest[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
        char hex[crypto_hash_sha256_BYTES * 2 + 1];
        sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
        if (target == hex) return std::to_string(n);
    }
    return {};
}

class BotDefense : public ::testing::TestWithParam<Backend> {};

TEST_P(BotDefense, AFormSentBackTooFastIsShownAgainAndTheSecondPressPasses) {
    TestApp app(GetParam(), signupConfig([](app::Config& c) { c.form_min_fill_seconds = 2; }));
    HttpClient browser(app.port(), app.publicUrl());
    const auto page = browser.get("/signup");
    const auto fields = formFields(page.body, {{"email", "quick@example.com"}, {"name", "Quick Person"}});
    const auto first = browser.postForm("/signup", fields);
    EXPECT_EQ(first.status, 422) << first.body.substr(0, 300);
    EXPECT_TRUE(contains(first.body, "press the button once more")) << first.body;
    EXPECT_EQ(formValue(first.body, "email"), "quick@example.com") << "the values are kept";
    EXPECT_EQ(formValue(first.body, "name"), "Quick Person");
    EXPECT_EQ(app.count("customers"), 0);
    EXPECT_EQ(rejections(app, "bot_suspected"), 1);
    // A bot replays the same form at once: refused again.
    EXPECT_EQ(browser.postForm("/signup", fields).status, 422);

    // A person reads the message and presses again.
    app.clock().advance(std::chrono::seconds(3));
    const auto second = browser.postForm("/signup", formFields(first.body, {{"email", "quick@example.com"},
                                                                            {"name", "Quick Person"}}));
    EXPECT_EQ(second.status, 303) << second.body.substr(0, 300);
    EXPECT_EQ(app.count("customers"), 1);
}

TEST_P(BotDefense, AFilledHoneypotIsRefusedWhateverTheTiming) {
    TestApp app(GetParam(), signupConfig([](app::Config& c) { c.form_min_fill_seconds = 0; }));
    HttpClient browser(app.port(), app.publicUrl());
    const auto page = browser.get("/signup");
    EXPECT_TRUE(contains(page.body, "name=\"website\"")) << "the form has a honeypot";
    const auto r = browser.postForm(
        "/signup", formFields(page.body, {{"email", "bot@example.com"}, {"name", "Bot"}, {"website", "http://spam"}}));
    EXPECT_EQ(r.status, 422);
    EXPECT_EQ(app.count("customers"), 0);
    EXPECT_EQ(rejections(app, "bot_suspected"), 1);
}

TEST_P(BotDefense, TheLoginFormIsGuardedTheSameWay) {
    TestApp app(GetParam(), dashboardConfig([](app::Config& c) { c.form_min_fill_seconds = 2; }));
    HttpClient browser(app.port(), app.publicUrl());
    const auto page = browser.get("/login");
    EXPECT_TRUE(contains(page.body, "name=\"website\""));
    const auto first = browser.postForm("/login", formFields(page.body, {{"email", "someone@example.com"}}));
    EXPECT_EQ(first.status, 422) << first.body.substr(0, 300);
    EXPECT_TRUE(contains(first.body, "press the button once more"));
    EXPECT_EQ(formValue(first.body, "email"), "someone@example.com");
    EXPECT_EQ(rejections(app, "bot_suspected"), 1);
    app.clock().advance(std::chrono::seconds(2));
    const auto second = browser.postForm("/login", formFields(first.body, {{"email", "someone@example.com"}}));
    EXPECT_EQ(second.status, 303) << second.body.substr(0, 300);
}

// The render time is signed: a bot that backdates the stamp it was given, or makes one up, is refused like a fast one.
TEST_P(BotDefense, ARenderTimeTheBotMadeUpIsRefused) {
    TestApp app(GetParam(), signupConfig([](app::Config& c) { c.form_min_fill_seconds = 2; }));
    HttpClient browser(app.port(), app.publicUrl());
    const auto page = browser.get("/signup");
    const std::string stamp = formValue(page.body, "form_ts");
    const auto dot = stamp.find('.');
    ASSERT_NE(dot, std::string::npos) << stamp;
    const std::string backdated = std::to_string(std::stoll(stamp.substr(0, dot)) - 3600) + stamp.substr(dot);
    const std::string made_up = std::to_string(std::stoll(stamp.substr(0, dot)) - 60) + ".bm90LWEtc2lnbmF0dXJl";
    for (const std::string& forged : {backdated, made_up}) {
        auto fields = formFields(page.body, {{"email", "backdated@example.com"}, {"name", "Bot"}});
        fields["form_ts"] = forged;
        const auto r = browser.postForm("/signup", fields);
        EXPECT_EQ(r.status, 422) << forged << ": " << r.body.substr(0, 300);
        EXPECT_TRUE(contains(r.body, "press the button once more")) << forged;
    }
    const auto login_page = browser.get("/login");
    auto login = formFields(login_page.body, {{"email", "backdated@example.com"}});
    login["form_ts"] = backdated;
    EXPECT_EQ(browser.postForm("/login", login).status, 422) << "the login form checks the signature too";
    EXPECT_EQ(app.count("customers"), 0);
    EXPECT_EQ(rejections(app, "bot_suspected"), 3);
}

TEST_P(BotDefense, TheChallengeIsSignedSingleUseAndExpires) {
    TestApp app(GetParam(), signupConfig([](app::Config& c) { c.signup_challenge = "always"; }));
    HttpClient browser(app.port(), app.publicUrl());
    const auto page = browser.get("/signup");
    ASSERT_TRUE(contains(page.body, "id=\"signup-challenge\"")) << page.body;
    EXPECT_TRUE(contains(page.body, "<noscript>")) << "a browser without JavaScript is told why";
    EXPECT_TRUE(contains(page.body, "needs JavaScript"));
    EXPECT_TRUE(contains(page.body, "src=\"/static/challenge.js\""));
    EXPECT_EQ(browser.get("/static/challenge.js").status, 200);

    // Without a solution, or with a wrong one, or a forged challenge: refused, nothing created.
    EXPECT_EQ(browser.postForm("/signup", formFields(page.body, {{"email", "a@example.com"}, {"name", "A"}})).status,
              422);
    EXPECT_EQ(browser
                  .postForm("/signup", formFields(page.body, {{"email", "a@example.com"},
                                                              {"name", "A"},
                                                              {"challenge_number", "999999999"}}))
                  .status,
              422);
    const std::string number = solveChallenge(page.body);
    ASSERT_FALSE(number.empty());
    EXPECT_EQ(browser
                  .postForm("/signup", formFields(page.body, {{"email", "a@example.com"},
                                                              {"name", "A"},
                                                              {"challenge_number", number},
                                                              {"challenge_signature", "forged"}}))
                  .status,
              422);
    EXPECT_EQ(app.count("customers"), 0);
    EXPECT_GE(rejections(app, "challenge_failed"), 3);

    const auto solved = formFields(page.body, {{"email", "a@example.com"}, {"name", "A"}, {"challenge_number", number}});
    EXPECT_EQ(browser.postForm("/signup", solved).status, 303);
    // The same solution a second time (another address, another browser): used up.
    HttpClient replay(app.port(), app.publicUrl());
    auto again = solved;
    again["email"] = "b@example.com";
    again["csrf_token"] = csrfOf(replay.get("/signup").body);
    EXPECT_EQ(replay.postForm("/signup", again).status, 422);
    EXPECT_EQ(app.count("customers"), 1);

    // A challenge solved too late has expired.
    HttpClient slow(app.port(), app.publicUrl());
    const auto old_page = slow.get("/signup");
    const std::string old_number = solveChallenge(old_page.body);
    app.clock().advance(std::chrono::minutes(11));
    EXPECT_EQ(slow.postForm("/signup", formFields(old_page.body, {{"email", "c@example.com"},
                                                                 {"name", "C"},
                                                                 {"challenge_number", old_number}}))
                  .status,
              422);
    EXPECT_EQ(app.count("customers"), 1);
}

TEST_P(BotDefense, AutoTurnsTheChallengeOnWhenSignupsSurgeAndOffWhenTheyFall) {
    TestApp app(GetParam(), signupConfig([](app::Config& c) {
        c.signup_challenge = "auto";
        c.signup_challenge_threshold = 2;
        c.signups_per_ip_per_hour = 100;
    }));
    HttpClient browser(app.port(), app.publicUrl());
    EXPECT_FALSE(contains(browser.get("/signup").body, "id=\"signup-challenge\""));
    for (int i = 0; i < 3; ++i) {
        HttpClient b(app.port(), app.publicUrl());
        EXPECT_EQ(b.signup("surge" + std::to_string(i) + "@example.com", "Surge").status, 303);
    }
    EXPECT_TRUE(contains(browser.get("/signup").body, "id=\"signup-challenge\"")) << "on for everyone";
    HttpClient late(app.port(), app.publicUrl());
    EXPECT_EQ(late.signup("unsolved@example.com", "Late").status, 422);
    app.clock().advance(std::chrono::seconds(61));
    EXPECT_FALSE(contains(browser.get("/signup").body, "id=\"signup-challenge\"")) << "off again";
    EXPECT_EQ(late.signup("unsolved@example.com", "Late").status, 303);
}

INSTANTIATE_TEST_SUITE_P(Backends, BotDefense, kBothBackends, backendName);

class MailAbuse : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig([](app::Config& c) {
                     c.email_changes_per_account_per_hour = 3;
                     c.email_changes_per_ip_per_hour = 5;
                 })};
};

TEST_P(MailAbuse, EmailChangeAnswersTheSameForTakenAndFreeAddresses) {
    Customer other = signUpCustomer(app_, "taken@example.com");
    Customer c = signUpCustomer(app_, "asker@example.com");
    const auto taken = submitForm(c.browser, "/dashboard/settings", "/dashboard/settings/email",
                                  {{"new_email", "taken@example.com"}});
    const auto taken_page = follow(app_, c.browser, taken);
    const auto free = submitForm(c.browser, "/dashboard/settings", "/dashboard/settings/email",
                                 {{"new_email", "free@example.com"}});
    const auto free_page = follow(app_, c.browser, free);
    EXPECT_EQ(taken.status, 303) << taken.body.substr(0, 300);
    EXPECT_EQ(free.status, 303);
    EXPECT_EQ(flashOf(taken_page.body), "We sent a confirmation link to taken@example.com.");
    EXPECT_EQ(flashOf(free_page.body), "We sent a confirmation link to free@example.com.");

    // The confirmation resolves the conflict: the owner of the address is told, nothing changes.
    drainJobs(app_);
    std::string confirm;
    for (const auto& m : emailsTo(app_, "taken@example.com"))
        if (auto l = emailConfirmLinkIn(m.text); !l.empty()) confirm = l;
    ASSERT_FALSE(confirm.empty());
    HttpClient owner(app_.port(), app_.publicUrl());
    const auto r = confirmEmailChange(owner, confirm);
    EXPECT_EQ(r.status, 409);
    EXPECT_TRUE(contains(r.body, "already uses this address")) << r.body;
    EXPECT_EQ(customerById(app_, c.id).email, "asker@example.com");
    EXPECT_EQ(customerById(app_, other.id).email, "taken@example.com");
}

TEST_P(MailAbuse, EmailChangesAreLimitedPerAccountAndPerIp) {
    Customer c = signUpCustomer(app_, "many-changes@example.com");
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(submitForm(c.browser, "/dashboard/settings", "/dashboard/settings/email",
                             {{"new_email", "target" + std::to_string(i) + "@example.com"}})
                      .status,
                  303);
    const auto limited = submitForm(c.browser, "/dashboard/settings", "/dashboard/settings/email",
                                    {{"new_email", "target9@example.com"}});
    EXPECT_EQ(limited.status, 429);
    EXPECT_FALSE(limited.header("retry-after").empty());
    // Another account from the same address: the per-IP window (5) has 2 left.
    Customer d = signUpCustomer(app_, "same-network@example.com");
    for (int i = 0; i < 2; ++i)
        EXPECT_EQ(submitForm(d.browser, "/dashboard/settings", "/dashboard/settings/email",
                             {{"new_email", "other" + std::to_string(i) + "@example.com"}})
                      .status,
                  303);
    EXPECT_EQ(submitForm(d.browser, "/dashboard/settings", "/dashboard/settings/email",
                         {{"new_email", "other9@example.com"}})
                  .status,
              429);
    drainJobs(app_);
    EXPECT_TRUE(emailsTo(app_, "target9@example.com").empty());
    EXPECT_TRUE(emailsTo(app_, "other9@example.com").empty());
}

TEST_P(MailAbuse, EmailChangeRefusesDisposableDomains) {
    Customer c = signUpCustomer(app_, "keeps@example.com");
    const auto r = submitForm(c.browser, "/dashboard/settings", "/dashboard/settings/email",
                              {{"new_email", "throwaway@mailinator.com"}});
    EXPECT_EQ(r.status, 422) << r.body.substr(0, 300);
    EXPECT_TRUE(contains(fieldError(r.body, "new_email"), "disposable")) << r.body;
    drainJobs(app_);
    EXPECT_TRUE(emailsTo(app_, "throwaway@mailinator.com").empty());
}

TEST_P(MailAbuse, EmailChangeNeedsARecentSignIn) {
    Customer c = signUpCustomer(app_, "stale@example.com");
    app_.clock().advance(std::chrono::minutes(11));
    const auto r = submitForm(c.browser, "/dashboard/settings", "/dashboard/settings/email",
                              {{"new_email", "elsewhere@example.com"}});
    EXPECT_EQ(r.status, 403) << r.body.substr(0, 300);
    const std::string offer = elementById(r.body, "div", "reauth-needed");
    EXPECT_TRUE(contains(textOf(offer), "within the last 10 minutes")) << r.body;
    drainJobs(app_);
    EXPECT_TRUE(emailsTo(app_, "elsewhere@example.com").empty());

    // The offered fresh link comes back to the settings, and after it the change goes through.
    const auto sent = c.browser.postForm("/dashboard/email-link",
                                         {{"csrf_token", csrfOf(r.body)}, {"return_to", "/dashboard/settings"}});
    ASSERT_EQ(sent.status, 303) << sent.body.substr(0, 300);
    drainJobs(app_);
    const std::string link = latestSignInLink(app_, c.email);
    ASSERT_TRUE(contains(link, "return_to=%2Fdashboard%2Fsettings")) << link;
    ASSERT_EQ(redeemSignInLink(c.browser, link).status, 303);
    EXPECT_EQ(submitForm(c.browser, "/dashboard/settings", "/dashboard/settings/email",
                         {{"new_email", "elsewhere@example.com"}})
                  .status,
              303);
}

TEST_P(MailAbuse, ConfirmingANewAddressEndsEveryOtherSession) {
    Customer c = signUpCustomer(app_, "moving@example.com");
    HttpClient laptop(app_.port(), app_.publicUrl());
    ASSERT_EQ(signInByEmail(app_, laptop, c.email).status, 303);  // the first proof: c.browser is signed out
    HttpClient phone(app_.port(), app_.publicUrl());
    ASSERT_EQ(signInByEmail(app_, phone, c.email).status, 303);
    ASSERT_EQ(sessionCount(app_, c.id), 2);
    const std::string confirm = requestEmailChange(app_, laptop, "moved@example.com");
    ASSERT_EQ(confirmEmailChange(laptop, confirm).status, 303);
    EXPECT_EQ(sessionCount(app_, c.id), 1);
    EXPECT_EQ(laptop.get("/dashboard/settings").status, 200);
    expectRedirectToLogin(app_, phone.get("/dashboard/settings"), "/dashboard/settings");
}

TEST_P(MailAbuse, SignOutEverywhereVoidsOutstandingLinks) {
    Customer c = signUpCustomer(app_, "everywhere@example.com");
    const std::string confirm = requestEmailChange(app_, c.browser, "pending@example.com");
    ASSERT_FALSE(confirm.empty());
    const std::string link = freshSignInLink(app_, c.email);
    ASSERT_FALSE(link.empty());
    const auto out = submitForm(c.browser, "/dashboard/settings", "/dashboard/settings/sign-out-everywhere");
    ASSERT_EQ(out.status, 303);

    HttpClient thief(app_.port(), app_.publicUrl());
    EXPECT_EQ(redeemSignInLink(thief, link).status, 410) << "the sign-in link died";
    EXPECT_EQ(thief.get(confirm).status, 410) << "the email-change link died";
    EXPECT_EQ(customerById(app_, c.id).email, "everywhere@example.com");
    EXPECT_EQ(sessionCount(app_, c.id), 0);
}

// A sign-in link or an email-change confirmation asked for before "sign out everywhere", whose email was still
// queued at the time, is not made afterwards: the sign-out voids every link outstanding then, queued ones included.
TEST_P(MailAbuse, SignOutEverywhereAlsoStopsLinksStillQueued) {
    Customer c = signUpCustomer(app_, "queued-links@example.com");
    drainJobs(app_);  // the welcome email and its link went out before
    HttpClient asker(app_.port(), app_.publicUrl());
    ASSERT_EQ(requestSignInLink(asker, c.email).status, 303);
    ASSERT_EQ(submitForm(c.browser, "/dashboard/settings", "/dashboard/settings/email",
                         {{"new_email", "queued-new@example.com"}})
                  .status,
              303);
    app_.clock().advance(std::chrono::seconds(1));
    ASSERT_EQ(submitForm(c.browser, "/dashboard/settings", "/dashboard/settings/sign-out-everywhere").status, 303);

    drainJobs(app_);
    EXPECT_TRUE(emailsTo(app_, c.email, kSignInSubject).empty())
        << "a sign-in link asked for before the sign-out was made and sent after it";
    EXPECT_TRUE(emailsTo(app_, "queued-new@example.com").empty())
        << "an email-change link asked for before the sign-out was made and sent after it";
    EXPECT_EQ(app_.count("sign_in_tokens", "used_at IS NULL"), 0) << "no live link is left";
    EXPECT_EQ(app_.count("jobs", "kind IN ('email.sign_in', 'email.email_change') AND state <> 'completed'"), 0)
        << "the queued jobs ended, sending nothing";

    // A link asked for after the sign-out works as ever.
    app_.clock().advance(std::chrono::seconds(1));
    HttpClient later(app_.port(), app_.publicUrl());
    EXPECT_EQ(signInByEmail(app_, later, c.email).status, 303);
    EXPECT_EQ(emailsTo(app_, c.email, kSignInSubject).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, MailAbuse, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
