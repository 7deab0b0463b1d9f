// Issue 9 item 1 on both backends: a failed attempt gives its credit back at most RSOLV_TRIAL_REFUNDS times per
// customer (default 3), counted in the database in the PATCH's own transaction; past that the attempt keeps its
// credit, and the API, the dashboard and a provisioning event say so.

#include <gtest/gtest.h>

#include <latch>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "integration/dashboard_test_helpers.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

const std::string kFailed = R"({"status":"failed","reason":"the fix did not build"})";

std::string attemptPath(std::int64_t id) { return "/api/v1/fix-attempts/" + std::to_string(id); }

nlohmann::json failAttempt(TestApp& app, const std::string& key, std::int64_t id) {
    const auto r = apiCall(app, "PATCH", attemptPath(id), key, kFailed);
    EXPECT_EQ(r.status, 200) << r.body;
    return jsonBody(r);
}

class ApiRefundLimit : public ::testing::TestWithParam<Backend> {};

// The issue's loop: create-then-fail forever used to keep the trial at "2 used" after 17 attempts.
TEST_P(ApiRefundLimit, CreateThenFailRunsTheTrialOutAfterThreeRefunds) {
    TestApp app(GetParam(), dashboardConfig());
    auto c = signUpCustomer(app, "looper@example.com");
    int created = 0;
    for (;; ++created) {
        const auto r = apiCall(app, "POST", "/api/v1/fix-attempts", c.key, R"({"repository":"acme/app","reference":"main"})");
        if (r.status == 402) break;
        ASSERT_EQ(r.status, 201) << r.body;
        ASSERT_LT(created, 30) << "the trial never runs out";
        failAttempt(app, c.key, jsonBody(r).value("id", std::int64_t(0)));
    }
    EXPECT_EQ(created, 10 + 3) << "ten credits and three refunds";
    const auto account = jsonBody(apiCall(app, "GET", "/api/v1/account", c.key));
    EXPECT_EQ(account.value("trial_fixes_used", -1), 10);
    EXPECT_EQ(account.value("trial_refunds_limit", -1), 3);
    EXPECT_EQ(account.value("trial_refunds_used", -1), 3);
    EXPECT_EQ(account.value("trial_refunds_remaining", -1), 0);
}

TEST_P(ApiRefundLimit, TheFourthFailureKeepsItsCreditAndSaysWhy) {
    TestApp app(GetParam(), dashboardConfig());
    auto c = signUpCustomer(app, "fourth@example.com");
    for (int i = 1; i <= 3; ++i) {
        const auto j = failAttempt(app, c.key, startFixAttempt(app, c.key, "acme/app"));
        EXPECT_TRUE(j.value("credit_refunded", false)) << j;
        EXPECT_TRUE(j.contains("refund_denied_reason") && j["refund_denied_reason"].is_null()) << j;
        EXPECT_EQ(j.value("refunds_remaining", -1), 3 - i) << j;
    }
    const std::int64_t fourth = startFixAttempt(app, c.key, "acme/app");
    const auto j = failAttempt(app, c.key, fourth);
    EXPECT_EQ(j.value("status", ""), "failed");
    EXPECT_FALSE(j.value("credit_refunded", true)) << j;
    EXPECT_EQ(j.value("refund_denied_reason", ""), "refund_limit_reached") << j;
    EXPECT_EQ(j.value("refunds_remaining", -1), 0) << j;
    EXPECT_EQ(jsonBody(apiCall(app, "GET", "/api/v1/account", c.key)).value("trial_fixes_used", -1), 1)
        << "the fourth failure keeps its credit";
    // Reading the attempt later tells the same story.
    const auto again = jsonBody(apiCall(app, "GET", attemptPath(fourth), c.key));
    EXPECT_FALSE(again.value("credit_refunded", true));
    EXPECT_EQ(again.value("refund_denied_reason", ""), "refund_limit_reached");

    EXPECT_EQ(app.count("provisioning_events",
                        "event_type = 'fix_credit_refunded' AND customer_id = " + std::to_string(c.id)),
              3);
    EXPECT_EQ(app.count("provisioning_events", "event_type = 'fix_credit_refund_denied' AND status = 'rejected' AND "
                                               "customer_id = " + std::to_string(c.id)),
              1);
}

TEST_P(ApiRefundLimit, TheLimitComesFromTheConfiguration) {
    TestApp app(GetParam(), dashboardConfig([](app::Config& cfg) { cfg.trial_refunds = 1; }));
    auto c = signUpCustomer(app, "one-refund@example.com");
    EXPECT_TRUE(failAttempt(app, c.key, startFixAttempt(app, c.key, "acme/app")).value("credit_refunded", false));
    EXPECT_FALSE(failAttempt(app, c.key, startFixAttempt(app, c.key, "acme/app")).value("credit_refunded", true));
}

TEST_P(ApiRefundLimit, ConcurrentFailuresRefundExactlyTheLimit) {
    TestApp app(GetParam(), dashboardConfig());
    auto c = signUpCustomer(app, "racer@example.com");
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 8; ++i) ids.push_back(startFixAttempt(app, c.key, "acme/app"));
    std::vector<bool> refunded(ids.size());
    std::latch start(static_cast<std::ptrdiff_t>(ids.size()));
    std::vector<std::thread> threads;
    for (size_t i = 0; i < ids.size(); ++i)
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            const auto r = apiCall(app, "PATCH", attemptPath(ids[i]), c.key, kFailed);
            refunded[i] = r.status == 200 && jsonBody(r).value("credit_refunded", false);
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(std::count(refunded.begin(), refunded.end(), true), 3);
    EXPECT_EQ(jsonBody(apiCall(app, "GET", "/api/v1/account", c.key)).value("trial_fixes_used", -1), 8 - 3);
}

TEST_P(ApiRefundLimit, TheDashboardSaysHowManyRefundsRemainAndWhenFailuresCount) {
    TestApp app(GetParam(), dashboardConfig());
    auto c = signUpCustomer(app, "dashboard-refunds@example.com");
    skipSetup(app, c.browser);
    auto page = c.browser.get("/dashboard");
    ASSERT_EQ(page.status, 200);
    EXPECT_TRUE(contains(textOf(page.body), "3 of 3 refunds left")) << textOf(page.body);

    failAttempt(app, c.key, startFixAttempt(app, c.key, "acme/app"));
    page = c.browser.get("/dashboard");
    EXPECT_TRUE(contains(textOf(page.body), "2 of 3 refunds left")) << textOf(page.body);

    failAttempt(app, c.key, startFixAttempt(app, c.key, "acme/app"));
    failAttempt(app, c.key, startFixAttempt(app, c.key, "acme/app"));
    page = c.browser.get("/dashboard");
    EXPECT_TRUE(contains(textOf(page.body), "Failed attempts now count against your trial")) << textOf(page.body);
    EXPECT_FALSE(contains(textOf(page.body), "refunds left")) << textOf(page.body);
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiRefundLimit, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
