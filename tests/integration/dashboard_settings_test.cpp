// Issue 5, the settings page: profile (name, company), onboarding emails, email change confirmed by a link to the new
// address (the old one is told, earlier sign-in links die), and the list of the customer's sessions.

#include <gtest/gtest.h>

#include <string>

#include "integration/dashboard_test_helpers.h"
#include "integration/email_proof_helpers.h"

namespace rsolv::test {
namespace {

class DashboardSettings : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig()};
};

TEST_P(DashboardSettings, SavesTheProfile) {
    Customer c = signUpCustomer(app_, "profile@example.com", "Old Name", "Old Co");
    const auto page = c.browser.get("/dashboard/settings");
    ASSERT_EQ(page.status, 200) << page.body.substr(0, 300);
    EXPECT_EQ(currentNavHref(page.body), "/dashboard/settings");
    EXPECT_TRUE(contains(page.body, "id=\"profile-form\"")) << page.body;
    EXPECT_EQ(formValue(page.body, "name"), "Old Name");
    EXPECT_EQ(formValue(page.body, "company"), "Old Co");

    const auto saved = c.browser.postForm("/dashboard/settings/profile",
                                          {{"csrf_token", csrfOf(page.body)}, {"name", "Ada <Lovelace>"}, {"company", "Engines & Co"}});
    ASSERT_EQ(saved.status, 303) << saved.body.substr(0, 500);
    EXPECT_EQ(pathOf(locationOf(app_, saved)), "/dashboard/settings");
    const auto after = follow(app_, c.browser, saved);
    EXPECT_EQ(flashOf(after.body), "Profile saved.");
    EXPECT_EQ(formValue(after.body, "name"), "Ada <Lovelace>");
    EXPECT_EQ(formValue(after.body, "company"), "Engines & Co");
    EXPECT_FALSE(contains(after.body, "Ada <Lovelace>")) << "the name is escaped in HTML";
    const auto row = customerById(app_, c.id);
    EXPECT_EQ(row.name, "Ada <Lovelace>");
    EXPECT_EQ(row.company.value_or("<null>"), "Engines & Co");

    // An empty name is refused next to the field and changes nothing.
    const auto bad = c.browser.postForm("/dashboard/settings/profile",
                                        {{"csrf_token", csrfOf(after.body)}, {"name", "  "}, {"company", "X"}});
    EXPECT_EQ(bad.status, 422) << bad.body.substr(0, 500);
    EXPECT_FALSE(fieldError(bad.body, "name").empty()) << bad.body;
    EXPECT_EQ(customerById(app_, c.id).name, "Ada <Lovelace>");
    EXPECT_EQ(customerById(app_, c.id).company.value_or("<null>"), "Engines & Co");
}

TEST_P(DashboardSettings, TogglesOnboardingEmails) {
    Customer c = signUpCustomer(app_, "quiet@example.com");
    ASSERT_TRUE(customerById(app_, c.id).onboarding_emails);
    const auto page = c.browser.get("/dashboard/settings");
    EXPECT_TRUE(contains(page.body, "id=\"notifications-form\"")) << page.body;

    // An unchecked checkbox sends nothing.
    const auto off = submitForm(c.browser, "/dashboard/settings", "/dashboard/settings/notifications");
    ASSERT_EQ(off.status, 303) << off.body.substr(0, 300);
    EXPECT_EQ(pathOf(locationOf(app_, off)), "/dashboard/settings");
    EXPECT_FALSE(flashOf(follow(app_, c.browser, off).body).empty());
    EXPECT_FALSE(customerById(app_, c.id).onboarding_emails);
    auto rows = querySql(app_, "SELECT onboarding_emails FROM customers WHERE id = $1", {c.id});
    EXPECT_FALSE(rows[0].boolean("onboarding_emails"));

    const auto on = submitForm(c.browser, "/dashboard/settings", "/dashboard/settings/notifications",
                               {{"onboarding_emails", "on"}});
    ASSERT_EQ(on.status, 303) << on.body.substr(0, 300);
    EXPECT_TRUE(customerById(app_, c.id).onboarding_emails);
}

TEST_P(DashboardSettings, ChangesTheEmailAfterConfirmation) {
    Customer c = signUpCustomer(app_, "old-address@example.com");
    drainJobs(app_);  // the welcome email
    const std::string earlier_link = freshSignInLink(app_, c.email);
    ASSERT_FALSE(earlier_link.empty());
    const size_t to_old_before = emailsTo(app_, c.email).size();

    const auto page = c.browser.get("/dashboard/settings");
    EXPECT_TRUE(contains(page.body, "id=\"email-form\"")) << page.body;
    const auto asked = c.browser.postForm("/dashboard/settings/email",
                                          {{"csrf_token", csrfOf(page.body)}, {"new_email", "new-address@example.com"}});
    ASSERT_EQ(asked.status, 303) << asked.body.substr(0, 500);
    EXPECT_EQ(pathOf(locationOf(app_, asked)), "/dashboard/settings");
    EXPECT_EQ(flashOf(follow(app_, c.browser, asked).body), "We sent a confirmation link to new-address@example.com.");
    EXPECT_EQ(customerById(app_, c.id).email, "old-address@example.com") << "nothing changes before the click";

    drainJobs(app_);
    const auto to_new = emailsTo(app_, "new-address@example.com");
    ASSERT_EQ(to_new.size(), 1u);
    const std::string confirm = emailConfirmLinkIn(to_new[0].text);
    ASSERT_FALSE(confirm.empty()) << to_new[0].text;
    EXPECT_TRUE(contains(to_new[0].text, app_.publicUrl() + confirm));
    EXPECT_EQ(emailsTo(app_, c.email).size(), to_old_before) << "the old address hears only once it is done";

    // GET shows the button and changes nothing.
    const auto confirm_page = c.browser.get(confirm);
    ASSERT_EQ(confirm_page.status, 200);
    EXPECT_TRUE(contains(confirm_page.body, "Confirm new email"));
    EXPECT_EQ(customerById(app_, c.id).email, "old-address@example.com");

    const auto done = c.browser.postForm(confirm, {{"csrf_token", csrfOf(confirm_page.body)}});
    ASSERT_EQ(done.status, 303) << done.body.substr(0, 500);
    EXPECT_EQ(pathOf(locationOf(app_, done)), "/dashboard/settings");
    EXPECT_EQ(flashOf(follow(app_, c.browser, done).body), "Your email address is now new-address@example.com.");
    const auto rows = querySql(app_, "SELECT email FROM customers WHERE id = $1", {c.id});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].str("email"), "new-address@example.com");

    drainJobs(app_);
    EXPECT_EQ(emailsTo(app_, "old-address@example.com").size(), to_old_before + 1) << "the old address gets a notice";
    // The old address's sign-in link is dead; the confirmation link is single use.
    HttpClient stranger(app_.port(), app_.publicUrl());
    EXPECT_EQ(redeemSignInLink(stranger, earlier_link).status, 410);
    const auto reused = c.browser.postForm(confirm, {{"csrf_token", csrfOf(c.browser.get("/dashboard/settings").body)}});
    EXPECT_GE(reused.status, 400) << "a confirmation link works once";
    EXPECT_EQ(customerById(app_, c.id).email, "new-address@example.com");
    // Signing in with the old address sends nothing; with the new one it works.
    HttpClient later(app_.port(), app_.publicUrl());
    EXPECT_EQ(requestSignInLink(later, "old-address@example.com").status, 303);
    drainJobs(app_);
    EXPECT_TRUE(emailsTo(app_, "old-address@example.com", kSignInSubject).size() == 1u)
        << "only the earlier link went to the old address";
    EXPECT_EQ(signInByEmail(app_, later, "new-address@example.com").status, 303);
}

TEST_P(DashboardSettings, RefusesABadNewEmail) {
    Customer c = signUpCustomer(app_, "stay-put@example.com");
    for (const std::string& bad : std::vector<std::string>{"not-an-address", "", "two@@example.com"}) {
        SCOPED_TRACE(bad);
        const auto r = submitForm(c.browser, "/dashboard/settings", "/dashboard/settings/email", {{"new_email", bad}});
        EXPECT_EQ(r.status, 422) << r.body.substr(0, 500);
        EXPECT_FALSE(fieldError(r.body, "new_email").empty()) << r.body;
    }
    drainJobs(app_);
    EXPECT_TRUE(emailsTo(app_, "not-an-address").empty());
    EXPECT_EQ(customerById(app_, c.id).email, "stay-put@example.com");
}

TEST_P(DashboardSettings, ConfirmingWithoutASessionLeadsToLogin) {
    // The link is opened on a phone that is not signed in.
    Customer c = signUpCustomer(app_, "desk@example.com");
    const std::string confirm = requestEmailChange(app_, c.browser, "phone@example.com");
    ASSERT_FALSE(confirm.empty());
    HttpClient phone(app_.port(), app_.publicUrl());
    const auto done = confirmEmailChange(phone, confirm);
    ASSERT_EQ(done.status, 303) << done.body.substr(0, 500);
    EXPECT_EQ(pathOf(locationOf(app_, done)), "/login");
    EXPECT_EQ(customerById(app_, c.id).email, "phone@example.com");
    EXPECT_FALSE(phone.cookies().count("rsolv_session")) << "confirming an address is not signing in";
    // The login page's notices come from a fixed table (nothing from the URL is shown), so it names no address.
    EXPECT_EQ(flashOf(follow(app_, phone, done).body), "Your email address is changed. Sign in with the new one.");
}

TEST_P(DashboardSettings, EmailTakenMeanwhileIsAConflict) {
    Customer c = signUpCustomer(app_, "first@example.com");
    const std::string confirm = requestEmailChange(app_, c.browser, "wanted@example.com");
    ASSERT_FALSE(confirm.empty());
    signUpCustomer(app_, "wanted@example.com");
    const auto r = confirmEmailChange(c.browser, confirm);
    EXPECT_EQ(r.status, 409) << r.body.substr(0, 500);
    EXPECT_EQ(customerById(app_, c.id).email, "first@example.com");
}

TEST_P(DashboardSettings, ListsTheCustomersSessions) {
    Customer c = signUpCustomer(app_, "two-browsers@example.com");
    // issue 9: prove the address first, or the laptop's sign-in (the first proof) would end this browser's session
    confirmEmailOf(app_, c.browser, c.email);
    Customer other = signUpCustomer(app_, "someone-else@example.com");
    HttpClient laptop(app_.port(), app_.publicUrl());
    ASSERT_EQ(signInByEmail(app_, laptop, c.email).status, 303);
    ASSERT_EQ(sessionCount(app_, c.id), 2);

    for (HttpClient* browser : {&c.browser, &laptop}) {
        const auto page = browser->get("/dashboard/settings");
        ASSERT_EQ(page.status, 200);
        const std::string table = elementById(page.body, "table", "sessions");
        ASSERT_FALSE(table.empty()) << "no <table id=\"sessions\">:\n" << page.body;
        const auto rows = bodyRows(table);
        EXPECT_EQ(rows.size(), 2u) << table;
        int here = 0;
        for (const auto& row : rows) here += contains(row, "This browser") ? 1 : 0;
        EXPECT_EQ(here, 1) << "exactly one row is this browser:\n" << table;
        EXPECT_TRUE(contains(table, "127.0.0.1")) << "the IP is shown:\n" << table;
        EXPECT_FALSE(contains(table, browser->cookies()["rsolv_session"])) << "never the session id itself";
    }
    (void)other;
}

INSTANTIATE_TEST_SUITE_P(Backends, DashboardSettings, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
