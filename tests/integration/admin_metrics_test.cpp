// Issue 13 in the console: firing built-in alerts with the time they fired (/admin/alerts), the success report's
// page (/admin/metrics) and its refusals, and the command line's.
#include <gtest/gtest.h>

#include <sstream>

#include "app/metrics_cli.h"
#include "integration/admin_test_helpers.h"
#include "integration/dashboard_test_helpers.h"

namespace rsolv::test {
namespace {

class AdminMetrics : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig()};
};

TEST_P(AdminMetrics, FiringAlertsShowWithWhenTheyFired) {
    Operator viewer = signInOperator(app_, "viewer@rsolv.dev", "viewer");
    auto& alerting = app_.app().alerting();
    alerting.tick();
    auto page = viewer.browser.get("/admin/alerts");
    ASSERT_EQ(page.status, 200) << page.body.substr(0, 300);
    EXPECT_TRUE(contains(page.body, "id=\"no-firing\"")) << page.body;

    app_.app().provisioning().setStepObserver([](std::string_view s) {
        if (s == "create_customer") throw std::runtime_error("injected");
    });
    EXPECT_EQ(HttpClient(app_.port(), app_.publicUrl()).signup("broken@example.com", "Bo Ken").status, 500);
    app_.app().provisioning().setStepObserver({});
    app_.clock().advance(std::chrono::seconds(61));
    const std::string fired_at = "2026-11-24 09:01 UTC";  // testEpoch + 61 s
    alerting.tick();

    page = viewer.browser.get("/admin/alerts");
    ASSERT_EQ(page.status, 200);
    const std::string firing = elementById(page.body, "table", "firing-alerts");
    EXPECT_TRUE(contains(firing, "Provisioning failures above 1 %")) << firing;
    EXPECT_TRUE(contains(firing, fired_at)) << "fired at " << fired_at << ": " << firing;
    EXPECT_TRUE(contains(firing, "1 of 1 provisioning attempts failed")) << firing;
    EXPECT_FALSE(contains(elementById(page.body, "table", "quiet-alerts"), "Provisioning failures")) << page.body;

    // 31 minutes later the failure has left the alert's 30-minute window; the operator stays active meanwhile
    // (console sessions end after 15 idle minutes).
    for (int i = 0; i < 3; ++i) {
        app_.clock().advance(std::chrono::minutes(10) + std::chrono::seconds(20));
        ASSERT_EQ(viewer.browser.get("/admin").status, 200);
    }
    alerting.tick();
    page = viewer.browser.get("/admin/alerts");
    EXPECT_TRUE(contains(page.body, "id=\"no-firing\"")) << "resolved";
    EXPECT_TRUE(contains(elementById(page.body, "table", "quiet-alerts"), "Provisioning failures above 1 %"));
}

TEST_P(AdminMetrics, MetricsPageNeedsAnOperatorAndRefusesBadPeriods) {
    HttpClient stranger(app_.port(), app_.publicUrl());
    const auto anonymous = stranger.get("/admin/metrics");
    EXPECT_EQ(anonymous.status, 303);
    Operator viewer = signInOperator(app_, "viewer@rsolv.dev", "viewer");
    const auto empty = viewer.browser.get("/admin/metrics");
    ASSERT_EQ(empty.status, 200) << empty.body.substr(0, 300);
    EXPECT_EQ(tbodyRows(elementById(empty.body, "table", "cohort-table")).size(), 7u) << "the last 7 days by default";
    EXPECT_TRUE(contains(elementById(empty.body, "table", "targets"), "no data"));
    EXPECT_TRUE(contains(empty.body, "<title id=\"chart-title\">"));

    const auto weeks = viewer.browser.get("/admin/metrics?by=week");
    ASSERT_EQ(weeks.status, 200);
    EXPECT_EQ(tbodyRows(elementById(weeks.body, "table", "cohort-table")).size(), 4u) << "the last 4 weeks";

    for (const std::string q : {"since=2026-02-30", "by=month", "since=2026-11-24&until=2026-11-24",
                                "since=2024-01-01&until=2026-01-01"}) {
        const auto bad = viewer.browser.get("/admin/metrics?" + q);
        EXPECT_EQ(bad.status, 422) << q;
        EXPECT_FALSE(elementById(bad.body, "div", "metrics-error").empty()) << q << ": " << bad.body.substr(0, 500);
    }
}

TEST_P(AdminMetrics, CommandLineRefusesBadArguments) {
    for (const auto& args : std::vector<std::vector<std::string>>{{"report"},
                                                                  {"report", "--since", "monday"},
                                                                  {"report", "--since", "2026-11-24", "--by", "month"},
                                                                  {"report", "--since", "2026-11-24", "--until",
                                                                   "2026-11-20"}}) {
        std::ostringstream out, err;
        EXPECT_EQ(app::runMetricsCommand(args, app_.config(), app_.clock(), out, err), 2) << args.size();
        EXPECT_FALSE(err.str().empty());
    }
    std::ostringstream out, err;
    EXPECT_EQ(app::runMetricsCommand({"report", "--since", "2026-11-24"}, app_.config(), app_.clock(), out, err), 0)
        << err.str();
    EXPECT_TRUE(contains(out.str(), "dashboard visit within 24 h")) << out.str();
}

INSTANTIATE_TEST_SUITE_P(Backends, AdminMetrics, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
