// Issue 5, the overview and the setup wizard: "displays usage statistics" after fix attempts through the API, the
// first visit going to the wizard, its steps turning done as the server sees the key used, skipping and finishing.

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "integration/dashboard_test_helpers.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;

class DashboardOverview : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig()};
};

TEST_P(DashboardOverview, DisplaysUsageStatistics) {
    Customer c = signUpCustomer(app_, "usage@example.com");
    skipSetup(app_, c.browser);

    const auto empty = c.browser.get("/dashboard");
    ASSERT_EQ(empty.status, 200) << empty.body.substr(0, 300);
    EXPECT_TRUE(contains(empty.body, "<strong id=\"usage-count\">0 / 10</strong> fixes used")) << empty.body;
    EXPECT_TRUE(contains(empty.body, "<progress id=\"usage-bar\" max=\"10\" value=\"0\">")) << empty.body;
    EXPECT_TRUE(contains(textOf(empty.body), "No fix attempts yet")) << "the empty state of the attempts table";
    EXPECT_EQ(currentNavHref(empty.body), "/dashboard");

    // Three attempts a minute apart; the middle one fails and gets its credit back.
    const std::int64_t first = startFixAttempt(app_, c.key, "acme/first-repo");
    app_.clock().advance(1min);
    const std::int64_t second = startFixAttempt(app_, c.key, "acme/second-repo", "refs/heads/develop");
    app_.clock().advance(1min);
    const std::int64_t third = startFixAttempt(app_, c.key, "acme/third-repo");
    ASSERT_TRUE(first && second && third);
    const auto failed = apiCall(app_, "PATCH", "/api/v1/fix-attempts/" + std::to_string(second), c.key,
                                R"({"status":"failed","reason":"tests failed"})");
    ASSERT_EQ(failed.status, 200) << failed.body;
    const auto done = apiCall(app_, "PATCH", "/api/v1/fix-attempts/" + std::to_string(third), c.key,
                              R"({"status":"succeeded","pull_request_url":"https://github.com/acme/third-repo/pull/4"})");
    ASSERT_EQ(done.status, 200) << done.body;

    const auto page = c.browser.get("/dashboard");
    ASSERT_EQ(page.status, 200) << page.body.substr(0, 300);
    const std::string usage = elementById(page.body, "section", "usage");
    ASSERT_FALSE(usage.empty()) << "no <section id=\"usage\">:\n" << page.body;
    EXPECT_TRUE(contains(usage, "<strong id=\"usage-count\">2 / 10</strong> fixes used")) << usage;
    EXPECT_TRUE(contains(usage, "<progress id=\"usage-bar\" max=\"10\" value=\"2\">")) << usage;
    EXPECT_TRUE(contains(textOf(usage), "8 fixes left in your trial")) << textOf(usage);

    const std::string table = elementById(page.body, "table", "recent-attempts");
    ASSERT_FALSE(table.empty()) << "no <table id=\"recent-attempts\">:\n" << page.body;
    const std::string text = textOf(table);
    for (const char* column : {"Repository", "Reference", "Status", "Started", "Finished", "Pull request"})
        EXPECT_TRUE(contains(text, column)) << column << " in " << text;
    EXPECT_FALSE(contains(text, "No fix attempts yet"));
    const auto rows = bodyRows(table);
    ASSERT_EQ(rows.size(), 3u) << table;
    // Newest first.
    EXPECT_TRUE(contains(rows[0], "acme/third-repo")) << rows[0];
    EXPECT_TRUE(contains(rows[1], "acme/second-repo")) << rows[1];
    EXPECT_TRUE(contains(rows[2], "acme/first-repo")) << rows[2];
    EXPECT_TRUE(contains(rows[1], "refs/heads/develop")) << rows[1];
    EXPECT_TRUE(contains(rows[0], "https://github.com/acme/third-repo/pull/4")) << rows[0];
    EXPECT_EQ(findApiKey(page.body), "") << "the overview never shows a key";
}

TEST_P(DashboardOverview, RecentAttemptsShowsTheTwentyNewest) {
    TestApp app(GetParam(), dashboardConfig([](app::Config& c) { c.trial_fixes = 30; }));
    Customer c = signUpCustomer(app, "prolific@example.com");
    skipSetup(app, c.browser);
    for (int i = 1; i <= 22; ++i) {
        ASSERT_TRUE(startFixAttempt(app, c.key, "acme/repo-" + std::to_string(i)));
        app.clock().advance(std::chrono::seconds(5));
    }
    const auto page = c.browser.get("/dashboard");
    ASSERT_EQ(page.status, 200);
    const auto rows = bodyRows(elementById(page.body, "table", "recent-attempts"));
    ASSERT_EQ(rows.size(), 20u);
    EXPECT_TRUE(contains(rows.front(), "acme/repo-22<")) << rows.front();
    EXPECT_TRUE(contains(rows.back(), "acme/repo-3<")) << rows.back();
    EXPECT_TRUE(contains(page.body, "<strong id=\"usage-count\">22 / 30</strong> fixes used"));
}

TEST_P(DashboardOverview, TrialUsedUp) {
    TestApp app(GetParam(), dashboardConfig([](app::Config& c) { c.trial_fixes = 2; }));
    Customer c = signUpCustomer(app, "spent@example.com");
    skipSetup(app, c.browser);
    ASSERT_TRUE(startFixAttempt(app, c.key, "acme/a"));
    ASSERT_TRUE(startFixAttempt(app, c.key, "acme/b"));
    const auto page = c.browser.get("/dashboard");
    ASSERT_EQ(page.status, 200);
    EXPECT_TRUE(contains(page.body, "<strong id=\"usage-count\">2 / 2</strong> fixes used")) << page.body;
    EXPECT_TRUE(contains(page.body, "<progress id=\"usage-bar\" max=\"2\" value=\"2\">")) << page.body;
    EXPECT_TRUE(contains(textOf(page.body), "Your trial is used up")) << textOf(page.body);
}

TEST_P(DashboardOverview, SetupWizardFollowsTheCustomersProgress) {
    Customer c = signUpCustomer(app_, "wizard@example.com");

    const auto first = c.browser.get("/dashboard");
    EXPECT_EQ(first.status, 303) << "the first visit goes to the setup wizard";
    EXPECT_EQ(pathOf(locationOf(app_, first)), "/dashboard/setup");

    auto steps = [&] {
        const auto page = c.browser.get("/dashboard/setup");
        EXPECT_EQ(page.status, 200) << page.body.substr(0, 300);
        EXPECT_FALSE(elementById(page.body, "ol", "setup-steps").empty()) << page.body;
        return page.body;
    };
    std::string page = steps();
    EXPECT_EQ(currentNavHref(page), "/dashboard/setup");
    EXPECT_EQ(stepState(page, 1), "done") << "the signup made a key";
    EXPECT_EQ(stepState(page, 2), "todo");
    EXPECT_EQ(stepState(page, 3), "todo");
    EXPECT_EQ(stepState(page, 4), "todo");
    EXPECT_TRUE(contains(page, "RSOLV_API_KEY"));
    EXPECT_TRUE(contains(page, "/settings/secrets/actions/new")) << "step 2 links to GitHub's new-secret page";
    EXPECT_TRUE(contains(page, "href=\"/dashboard/workflow/rsolv.yml\"")) << "step 3 downloads the workflow";
    EXPECT_TRUE(contains(page, "Skip setup for now"));
    // Issue 15: the main button follows progress; "Finish setup" appears once the four steps are done.
    EXPECT_FALSE(contains(page, "Finish setup"));
    EXPECT_EQ(findApiKey(page), "");

    // Still the wizard on the next visit: nothing was skipped or finished.
    EXPECT_EQ(c.browser.get("/dashboard").status, 303);

    // The first API call: the secret and the workflow must be in place.
    ASSERT_EQ(apiCall(app_, "GET", "/api/v1/account", c.key).status, 200);
    page = steps();
    EXPECT_EQ(stepState(page, 1), "done");
    EXPECT_EQ(stepState(page, 2), "done");
    EXPECT_EQ(stepState(page, 3), "done");
    EXPECT_EQ(stepState(page, 4), "todo");

    // The first fix attempt: the workflow ran.
    ASSERT_TRUE(startFixAttempt(app_, c.key, "acme/widgets"));
    page = steps();
    for (int n = 1; n <= 4; ++n) EXPECT_EQ(stepState(page, n), "done") << "step " << n;

    // Finishing records the time and ends the redirect.
    const auto finished = submitForm(c.browser, "/dashboard/setup", "/dashboard/setup/finish");
    ASSERT_EQ(finished.status, 303) << finished.body.substr(0, 300);
    EXPECT_EQ(pathOf(locationOf(app_, finished)), "/dashboard");
    const auto overview = follow(app_, c.browser, finished);
    EXPECT_EQ(overview.status, 200) << overview.body.substr(0, 300);
    EXPECT_EQ(flashOf(overview.body), "Setup complete.");
    const auto rows = querySql(app_, "SELECT onboarding_completed_at FROM customers WHERE id = $1", {c.id});
    ASSERT_EQ(rows.size(), 1u);
    ASSERT_FALSE(rows[0].isNull("onboarding_completed_at")) << "finish did not set customers.onboarding_completed_at";
    EXPECT_EQ(rows[0].time("onboarding_completed_at"), app_.clock().now());
    EXPECT_EQ(customerById(app_, c.id).onboarding_completed_at, app_.clock().now());
    EXPECT_EQ(c.browser.get("/dashboard").status, 200) << "no redirect once setup is finished";
}

TEST_P(DashboardOverview, StepOneIsTodoWithoutAnActiveKey) {
    Customer c = signUpCustomer(app_, "keyless@example.com");
    const auto ids = keyIdsOn(c.browser.get("/dashboard/keys").body);
    ASSERT_EQ(ids.size(), 1u);
    const std::string path = "/dashboard/keys/" + std::to_string(ids[0]) + "/revoke";
    ASSERT_EQ(submitForm(c.browser, path, path).status, 303);
    EXPECT_EQ(stepState(c.browser.get("/dashboard/setup").body, 1), "todo") << "the only key is revoked";
}

TEST_P(DashboardOverview, SkippingSetupEndsTheRedirect) {
    Customer c = signUpCustomer(app_, "skipper@example.com");
    EXPECT_EQ(c.browser.get("/dashboard").status, 303);
    const auto skipped = submitForm(c.browser, "/dashboard/setup", "/dashboard/setup/skip");
    ASSERT_EQ(skipped.status, 303) << skipped.body.substr(0, 300);
    EXPECT_EQ(pathOf(locationOf(app_, skipped)), "/dashboard");
    const auto overview = c.browser.get("/dashboard");
    EXPECT_EQ(overview.status, 200) << "skipped: the overview from now on";
    const std::string checklist = elementById(overview.body, "section", "checklist");
    ASSERT_FALSE(checklist.empty()) << overview.body;
    // The checklist items: the key is there (done), the first API call is not (todo).
    const std::regex item("<li\\b[^>]*>");
    int done = 0, todo = 0;
    for (auto it = std::sregex_iterator(checklist.begin(), checklist.end(), item); it != std::sregex_iterator(); ++it) {
        done += hasClass(it->str(), "done");
        todo += hasClass(it->str(), "todo");
    }
    EXPECT_GE(done, 1) << checklist;
    EXPECT_GE(todo, 1) << checklist;
    EXPECT_EQ(c.browser.get("/dashboard").status, 200);
    // Skipping is not finishing.
    const auto rows = querySql(app_, "SELECT onboarding_completed_at FROM customers WHERE id = $1", {c.id});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_TRUE(rows[0].isNull("onboarding_completed_at"));
    // The wizard is still there to come back to.
    EXPECT_EQ(c.browser.get("/dashboard/setup").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, DashboardOverview, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
