// Issue 13, support tickets and dashboard activation: "Contact support" stores a ticket and emails the support address
// through the job queue once; the console lists tickets; the first signed-in dashboard visit is recorded once.
#include <gtest/gtest.h>

#include <string>

#include "integration/admin_test_helpers.h"
#include "integration/dashboard_test_helpers.h"

namespace rsolv::test {
namespace {

constexpr const char* kSupport = "support@rsolv.test";

class SupportTickets : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig([](app::Config& c) { c.support_email = kSupport; })};

    HttpResponse openTicket(Customer& c, const std::string& subject, const std::string& message) {
        return submitForm(c.browser, "/dashboard/support", "/dashboard/support",
                          {{"subject", subject}, {"message", message}});
    }
};

TEST_P(SupportTickets, StoresTheTicketAndEmailsSupportOnce) {
    Customer c = signUpCustomer(app_, "helpme@example.com", "Hana Help");
    const auto page = c.browser.get("/dashboard/support");
    ASSERT_EQ(page.status, 200) << page.body.substr(0, 300);
    EXPECT_EQ(currentNavHref(page.body), "/dashboard/support");
    EXPECT_TRUE(contains(page.body, "id=\"support-form\"")) << page.body;

    const auto sent = openTicket(c, "Action fails on <main>", "The workflow says 401.\nWhat now?");
    ASSERT_EQ(sent.status, 303) << sent.body.substr(0, 500);
    EXPECT_EQ(pathOf(locationOf(app_, sent)), "/dashboard/support");
    const auto after = follow(app_, c.browser, sent);
    EXPECT_TRUE(contains(flashOf(after.body), "ticket #")) << after.body;
    EXPECT_EQ(formValue(after.body, "subject"), "") << "the form is empty again after PRG";

    const auto rows = querySql(app_, "SELECT customer_id, subject, message FROM support_tickets");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].i64("customer_id"), c.id);
    EXPECT_EQ(rows[0].str("subject"), "Action fails on <main>");
    EXPECT_EQ(rows[0].str("message"), "The workflow says 401.\nWhat now?");

    drainJobs(app_);
    auto mails = emailsTo(app_, kSupport, "[RSOLV support #");
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_TRUE(contains(mails[0].subject(), "Action fails on <main>")) << mails[0].subject();
    // A plain-text message of one part: its text is the body of the whole message.
    EXPECT_TRUE(contains(mails[0].everything(), "helpme@example.com")) << mails[0].raw;
    EXPECT_TRUE(contains(mails[0].everything(), "What now?")) << mails[0].raw;
    EXPECT_EQ(app_.count("email_deliveries", "kind = 'email.support_ticket'"), 1);

    // The job runs again (a lost lease, a retry): the delivery record keeps it from sending twice.
    querySql(app_, "UPDATE jobs SET state = 'available', finished_at = NULL WHERE kind = 'email.support_ticket'", {},
             storage::TxMode::Write);
    drainJobs(app_);
    EXPECT_EQ(emailsTo(app_, kSupport, "[RSOLV support #").size(), 1u);
}

TEST_P(SupportTickets, RefusesEmptyAndOversizedFieldsAndChangesNothing) {
    Customer c = signUpCustomer(app_, "typo@example.com");
    const auto empty = openTicket(c, "   ", "");
    EXPECT_EQ(empty.status, 422) << empty.body.substr(0, 500);
    EXPECT_FALSE(fieldError(empty.body, "subject").empty()) << empty.body;
    EXPECT_FALSE(fieldError(empty.body, "message").empty()) << empty.body;
    const auto long_subject = openTicket(c, std::string(151, 's'), "fine");
    EXPECT_EQ(long_subject.status, 422);
    EXPECT_FALSE(fieldError(long_subject.body, "subject").empty()) << long_subject.body;
    EXPECT_EQ(formValue(long_subject.body, "message"), "") << "a textarea, not an input";
    EXPECT_TRUE(contains(long_subject.body, ">fine</textarea>")) << "the message is kept for the next try";
    const auto control = openTicket(c, "line\x01", "ok");
    EXPECT_EQ(control.status, 422);
    EXPECT_EQ(app_.count("support_tickets"), 0);
    EXPECT_EQ(app_.count("jobs", "kind = 'email.support_ticket'"), 0);
}

TEST_P(SupportTickets, AreLimitedPerCustomerPerHour) {
    Customer c = signUpCustomer(app_, "chatty@example.com");
    for (int i = 0; i < 5; ++i) ASSERT_EQ(openTicket(c, "Question " + std::to_string(i), "?").status, 303);
    const auto fourth = openTicket(c, "Question 6", "?");
    EXPECT_EQ(fourth.status, 429) << fourth.body.substr(0, 300);
    EXPECT_FALSE(fourth.header("retry-after").empty());
    EXPECT_EQ(app_.count("support_tickets"), 5);
    // Another customer has a limit of their own.
    Customer other = signUpCustomer(app_, "other@example.com");
    EXPECT_EQ(openTicket(other, "Mine", "!").status, 303);
    // An hour later the window has room again (the customer stays active meanwhile: sessions end after 30 idle
    // minutes).
    for (int i = 0; i < 3; ++i) {
        app_.clock().advance(std::chrono::minutes(20) + std::chrono::seconds(20));
        ASSERT_EQ(c.browser.get("/dashboard/support").status, 200);
    }
    EXPECT_EQ(openTicket(c, "Question 7", "?").status, 303);
    EXPECT_EQ(app_.count("support_tickets"), 7);
}

// RSOLV_SUPPORT_TICKETS_PER_HOUR sets the limit.
TEST_P(SupportTickets, TheHourlyLimitIsConfigurable) {
    TestApp app(GetParam(), dashboardConfig([](app::Config& c) { c.support_tickets_per_hour = 2; }));
    Customer c = signUpCustomer(app, "two@example.com");
    const auto ticket = [&](const std::string& subject) {
        return submitForm(c.browser, "/dashboard/support", "/dashboard/support",
                          {{"subject", subject}, {"message", "?"}});
    };
    ASSERT_EQ(ticket("Question 1").status, 303);
    ASSERT_EQ(ticket("Question 2").status, 303);
    const auto third = ticket("Question 3");
    EXPECT_EQ(third.status, 429) << third.body.substr(0, 300);
    EXPECT_EQ(app.count("support_tickets"), 2);
}

TEST_P(SupportTickets, NeedASignedInBrowserAndAToken) {
    HttpClient stranger(app_.port(), app_.publicUrl());
    expectRedirectToLogin(app_, stranger.get("/dashboard/support"), "/dashboard/support");
    Customer c = signUpCustomer(app_, "forged@example.com");
    const auto forged = c.browser.postForm("/dashboard/support", {{"subject", "x"}, {"message", "y"}});
    EXPECT_EQ(forged.status, 403) << forged.body.substr(0, 300);
    EXPECT_EQ(app_.count("support_tickets"), 0);
}

TEST_P(SupportTickets, ShowInTheConsole) {
    Customer c = signUpCustomer(app_, "seen@example.com");
    ASSERT_EQ(openTicket(c, "Billing <question>", "How much after the trial?").status, 303);
    Operator viewer = signInOperator(app_, "viewer@rsolv.dev", "viewer");
    const auto list = viewer.browser.get("/admin/support");
    ASSERT_EQ(list.status, 200) << list.body.substr(0, 300);
    const std::string table = elementById(list.body, "table", "support-tickets");
    EXPECT_TRUE(contains(table, "Billing &lt;question&gt;")) << table;
    EXPECT_TRUE(contains(table, "seen@example.com")) << table;
    EXPECT_TRUE(contains(table, "/admin/customers/" + std::to_string(c.id))) << table;
    const auto detail = viewer.browser.get("/admin/customers/" + std::to_string(c.id));
    ASSERT_EQ(detail.status, 200);
    EXPECT_TRUE(contains(elementById(detail.body, "table", "customer-tickets"), "How much after the trial?"));
}

TEST_P(SupportTickets, FirstDashboardVisitIsRecordedOnceAtTheClocksTime) {
    Customer c = signUpCustomer(app_, "visitor@example.com");
    auto visit = [&] {
        return querySql(app_, "SELECT first_dashboard_visit_at FROM customers WHERE id = $1", {c.id})[0].optTime(
            "first_dashboard_visit_at");
    };
    EXPECT_FALSE(visit().has_value()) << "the signup and its welcome page are not a dashboard visit";
    app_.clock().advance(std::chrono::minutes(20));  // sessions end after 30 idle minutes
    const Timestamp first = app_.clock().now();
    ASSERT_EQ(c.browser.get("/dashboard/setup").status, 200);
    ASSERT_TRUE(visit().has_value());
    EXPECT_EQ(*visit(), first);
    app_.clock().advance(std::chrono::minutes(20));
    ASSERT_EQ(c.browser.get("/dashboard/keys").status, 200);
    EXPECT_EQ(*visit(), first);
    EXPECT_EQ(app_.count("provisioning_events", "event_type = 'first_dashboard_visit'"), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, SupportTickets, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
