// Issue 9, account pre-hijacking: an account opened on someone else's address. The address counts as proved the
// first time an emailed link is used; that ends every other session and asks the owner to review what was made
// before; the welcome email's "this wasn't me" link closes the account; an unproved account starts few fixes.

#include <gtest/gtest.h>

#include <optional>
#include <regex>
#include <string>

#include "common/crypto.h"
#include "integration/api_test_helpers.h"
#include "integration/dashboard_test_helpers.h"

namespace rsolv::test {
namespace {

std::optional<std::string> verifiedAt(TestApp& app, std::int64_t customer_id) {
    const auto rows = querySql(app, "SELECT email_verified_at FROM customers WHERE id = $1", {customer_id});
    return rows.size() == 1 ? rows[0].opt("email_verified_at") : std::nullopt;
}

std::int64_t eventCount(TestApp& app, std::int64_t customer_id, const std::string& type) {
    return querySql(app, "SELECT COUNT(*) AS n FROM provisioning_events WHERE customer_id = $1 AND event_type = $2",
                    {customer_id, type})
        .front()
        .i64("n");
}

/// The sign-in link of the welcome email to `email` (drains the jobs first).
std::string welcomeSignInLink(TestApp& app, const std::string& email) {
    drainJobs(app);
    const auto mails = emailsTo(app, email, "Welcome to RSOLV");
    if (mails.empty()) {
        ADD_FAILURE() << "no welcome email to " << email;
        return {};
    }
    return signInLinkIn(mails.back().text);
}

/// The one welcome email to `email` (drains the jobs first); a failure when there is not exactly one.
std::optional<ReceivedEmail> theWelcomeEmail(TestApp& app, const std::string& email) {
    drainJobs(app);
    const auto mails = emailsTo(app, email, "Welcome to RSOLV");
    EXPECT_EQ(mails.size(), 1u) << "welcome emails to " << email;
    if (mails.size() != 1) return std::nullopt;
    return mails[0];
}

/// The local path of the "this wasn't me" link in a welcome email; empty if none.
std::string notMeLinkIn(const std::string& text) {
    const std::regex re("https?://[A-Za-z0-9.:-]+(/not-me/[A-Za-z0-9._-]+)");
    std::smatch m;
    return std::regex_search(text, m, re) ? m[1].str() : std::string();
}

class AccountPreHijack : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig([](app::Config& c) { c.unverified_fix_limit = 3; })};
};

TEST_P(AccountPreHijack, TheAddressIsVerifiedByTheFirstEmailedLinkAndTheDashboardSaysSoUntilThen) {
    Customer c = signUpCustomer(app_, "verify-me@example.com");
    skipSetup(app_, c.browser);
    EXPECT_FALSE(verifiedAt(app_, c.id).has_value()) << "a typed address is not a proved one";
    const auto before = c.browser.get("/dashboard");
    ASSERT_EQ(before.status, 200);
    const std::string notice = elementById(before.body, "div", "confirm-email-notice");
    EXPECT_TRUE(contains(textOf(notice), "confirm your email")) << before.body;
    EXPECT_TRUE(contains(notice, "action=\"/dashboard/email-link\"")) << "a way to get a link sent:\n" << notice;

    // "Email me a new link" sends a sign-in link to the customer's own address.
    const auto asked = submitForm(c.browser, "/dashboard", "/dashboard/email-link", {{"return_to", "/dashboard"}});
    ASSERT_EQ(asked.status, 303) << asked.body.substr(0, 300);
    drainJobs(app_);
    const std::string link = latestSignInLink(app_, c.email);
    ASSERT_FALSE(link.empty());

    EXPECT_EQ(redeemSignInLink(c.browser, link).status, 303);
    EXPECT_TRUE(verifiedAt(app_, c.id).has_value());
    EXPECT_EQ(eventCount(app_, c.id, "email_verified"), 1);
    const auto after = c.browser.get("/dashboard");
    ASSERT_EQ(after.status, 200);
    EXPECT_TRUE(elementById(after.body, "div", "confirm-email-notice").empty()) << after.body;
}

TEST_P(AccountPreHijack, AnEmailChangeConfirmationAlsoProvesTheAddress) {
    Customer c = signUpCustomer(app_, "changer@example.com");
    const std::string confirm = requestEmailChange(app_, c.browser, "changed@example.com");
    ASSERT_FALSE(confirm.empty());
    EXPECT_EQ(confirmEmailChange(c.browser, confirm).status, 303);
    EXPECT_TRUE(verifiedAt(app_, c.id).has_value());
}

TEST_P(AccountPreHijack, TheFirstProofEndsTheAttackersSessionAndTheOwnerReviewsWhatExisted) {
    // The attacker signs up with the victim's address from their own browser and keeps the key.
    Customer attacker = signUpCustomer(app_, "victim@example.com");
    ASSERT_EQ(callApi(app_, "GET", "/api/v1/account", attacker.key).status, 200);

    // The owner opens the welcome email's link in their own browser.
    HttpClient owner(app_.port(), app_.publicUrl());
    const auto signed_in = redeemSignInLink(owner, welcomeSignInLink(app_, "victim@example.com"));
    ASSERT_EQ(signed_in.status, 303) << signed_in.body.substr(0, 300);
    EXPECT_EQ(pathOf(locationOf(app_, signed_in)), "/dashboard/review");
    EXPECT_EQ(sessionCount(app_, attacker.id), 1) << "only the owner's new session is left";
    expectRedirectToLogin(app_, attacker.browser.get("/dashboard/keys"), "/dashboard/keys");

    const auto review = owner.get("/dashboard/review");
    ASSERT_EQ(review.status, 200) << review.body.substr(0, 300);
    const std::string keys = elementById(review.body, "table", "review-keys");
    const std::string display = querySql(app_, "SELECT display_id FROM api_keys WHERE customer_id = $1", {attacker.id})
                                    .front()
                                    .str("display_id");
    EXPECT_TRUE(contains(keys, display)) << "the signup key is listed:\n" << review.body;
    const std::string sessions = elementById(review.body, "table", "review-sessions");
    EXPECT_EQ(bodyRows(sessions).size(), 1u) << sessions;
    EXPECT_TRUE(contains(sessions, "127.0.0.1")) << "from which IP:\n" << sessions;
    EXPECT_TRUE(contains(review.body, "These were me, keep them"));
    EXPECT_TRUE(contains(review.body, "Revoke them all and give me a new key"));
    // Until the owner answers, the key keeps working (a real customer's CI must not break).
    EXPECT_EQ(callApi(app_, "GET", "/api/v1/account", attacker.key).status, 200);

    const auto revoked = submitForm(owner, "/dashboard/review", "/dashboard/review/revoke");
    ASSERT_EQ(revoked.status, 303) << revoked.body.substr(0, 300);
    EXPECT_EQ(pathOf(locationOf(app_, revoked)), "/dashboard/keys");
    const auto keys_page = follow(app_, owner, revoked);
    const std::string fresh = newApiKeyOn(keys_page.body);
    ASSERT_FALSE(fresh.empty()) << "the new key is shown once:\n" << keys_page.body;
    EXPECT_TRUE(newApiKeyOn(owner.get("/dashboard/keys").body).empty()) << "and only once";
    EXPECT_EQ(callApi(app_, "GET", "/api/v1/account", attacker.key).status, 401) << "the attacker's key is revoked";
    EXPECT_EQ(callApi(app_, "GET", "/api/v1/account", fresh).status, 200);
    // Answered: the review is gone.
    EXPECT_EQ(owner.get("/dashboard/review").status, 303);
}

TEST_P(AccountPreHijack, TheOwnerMayKeepWhatTheyMadeBeforeConfirming) {
    Customer c = signUpCustomer(app_, "it-was-me@example.com");
    HttpClient laptop(app_.port(), app_.publicUrl());
    const auto signed_in = signInByEmail(app_, laptop, c.email);
    ASSERT_EQ(pathOf(locationOf(app_, signed_in)), "/dashboard/review");
    EXPECT_TRUE(contains(laptop.get("/dashboard/setup").body, "id=\"review-notice\"")) << "asked until answered";
    const auto kept = submitForm(laptop, "/dashboard/review", "/dashboard/review/keep");
    ASSERT_EQ(kept.status, 303) << kept.body.substr(0, 300);
    EXPECT_EQ(callApi(app_, "GET", "/api/v1/account", c.key).status, 200);
    EXPECT_FALSE(contains(laptop.get("/dashboard/setup").body, "id=\"review-notice\""));
    EXPECT_EQ(eventCount(app_, c.id, "pre_verification_access"), 1);
    // A later sign-in is not a first proof: it goes where it was asked to.
    HttpClient phone(app_.port(), app_.publicUrl());
    const auto later = signInByEmail(app_, phone, c.email, "/dashboard/keys");
    EXPECT_EQ(pathOf(locationOf(app_, later)), "/dashboard/keys");
    EXPECT_EQ(sessionCount(app_, c.id), 2);
}

TEST_P(AccountPreHijack, TheWelcomeEmailsThisWasntMeLinkClosesTheAccount) {
    Customer attacker = signUpCustomer(app_, "not-me@example.com");
    const auto welcome = theWelcomeEmail(app_, "not-me@example.com");
    ASSERT_TRUE(welcome);
    const std::string link = notMeLinkIn(welcome->text);
    ASSERT_FALSE(link.empty()) << welcome->text;
    EXPECT_TRUE(contains(welcome->html, link)) << "in both parts";

    // A forged link is refused; GET only shows the button.
    HttpClient owner(app_.port(), app_.publicUrl());
    EXPECT_EQ(owner.get("/not-me/" + std::to_string(attacker.id) + ".AAAA").status, 404);
    const auto page = owner.get(link);
    ASSERT_EQ(page.status, 200);
    EXPECT_TRUE(contains(page.body, "id=\"not-me-form\"")) << page.body;
    EXPECT_EQ(customerById(app_, attacker.id).status, "active");

    const auto done = owner.postForm(link, {});
    ASSERT_EQ(done.status, 200) << done.body.substr(0, 300);
    EXPECT_EQ(customerById(app_, attacker.id).status, "suspended");
    EXPECT_EQ(sessionCount(app_, attacker.id), 0);
    EXPECT_EQ(app_.count("api_keys", "customer_id = " + std::to_string(attacker.id) + " AND revoked_at IS NULL"), 0);
    EXPECT_GE(callApi(app_, "GET", "/api/v1/account", attacker.key).status, 401);
    expectRedirectToLogin(app_, attacker.browser.get("/dashboard"), "/dashboard");
    const auto why = querySql(app_,
                              "SELECT details FROM provisioning_events WHERE customer_id = $1 AND event_type = "
                              "'account_disowned'",
                              {attacker.id});
    ASSERT_EQ(why.size(), 1u);
    EXPECT_TRUE(contains(why[0].str("details"), "did not sign up")) << why[0].str("details");
}

// The link works for 30 days after the welcome email was sent, then says it has expired and changes nothing: an old
// email found later (forwarded, in an archive) cannot close an account its owner has long been using.
TEST_P(AccountPreHijack, TheThisWasntMeLinkExpiresAfterThirtyDays) {
    Customer c = signUpCustomer(app_, "old-mail@example.com");
    const auto welcome = theWelcomeEmail(app_, "old-mail@example.com");
    ASSERT_TRUE(welcome);
    const std::string link = notMeLinkIn(welcome->text);
    ASSERT_FALSE(link.empty()) << welcome->text;
    HttpClient holder(app_.port(), app_.publicUrl());
    app_.clock().advance(std::chrono::hours(24 * 29));
    EXPECT_EQ(holder.get(link).status, 200) << "the link died before its 30 days";

    app_.clock().advance(std::chrono::hours(24 * 2));
    const auto page = holder.get(link);
    EXPECT_EQ(page.status, 410) << page.body.substr(0, 300);
    EXPECT_TRUE(contains(page.body, "expired")) << page.body.substr(0, 600);
    const auto post = holder.postForm(link, {});
    EXPECT_EQ(post.status, 410);
    EXPECT_EQ(customerById(app_, c.id).status, "active") << "an expired link closed the account";
    EXPECT_EQ(callApi(app_, "GET", "/api/v1/account", c.key).status, 200);
}

// Links sent before they carried their time ("<id>.<mac>") count their 30 days from the account's creation.
TEST_P(AccountPreHijack, AnOlderThisWasntMeLinkCountsFromTheAccountsCreation) {
    Customer c = signUpCustomer(app_, "older-link@example.com");
    const std::string id = std::to_string(c.id);
    const std::string older =
        "/not-me/" + id + "." + crypto::mac(app_.app().secretKey().subkey("not-me-links"), "not-me:" + id);
    HttpClient holder(app_.port(), app_.publicUrl());
    EXPECT_EQ(holder.get(older).status, 200);
    app_.clock().advance(std::chrono::hours(24 * 31));
    EXPECT_EQ(holder.get(older).status, 410);
    EXPECT_EQ(holder.postForm(older, {}).status, 410);
    EXPECT_EQ(customerById(app_, c.id).status, "active");
}

TEST_P(AccountPreHijack, AnUnverifiedAccountStartsOnlyAFewFixes) {
    Customer c = signUpCustomer(app_, "made-up@example.com");
    for (int i = 0; i < 3; ++i) EXPECT_NE(startFixAttempt(app_, c.key, "octo/app" + std::to_string(i)), 0);
    const auto refused = callApi(app_, "POST", "/api/v1/fix-attempts", c.key,
                                 R"({"repository":"octo/more","reference":"main"})");
    const std::string message = expectApiError(refused, 403, "email_unverified");
    EXPECT_TRUE(contains(message, "unlock")) << message;
    EXPECT_TRUE(contains(message, "sign-in link")) << message;
    EXPECT_EQ(customerById(app_, c.id).trial_fixes_used, 3) << "a refused start takes no credit";

    HttpClient owner(app_.port(), app_.publicUrl());
    ASSERT_EQ(signInByEmail(app_, owner, c.email).status, 303);
    EXPECT_NE(startFixAttempt(app_, c.key, "octo/more"), 0) << "a proved address unlocks the rest of the trial";
}

INSTANTIATE_TEST_SUITE_P(Backends, AccountPreHijack, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
