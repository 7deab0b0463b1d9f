// Issue 13: the success report's arithmetic, from facts (no database): cohorts, nearest-rank percentiles, windows
// and their pending state, strict targets, rejections apart.
#include "domain/success_report.h"

#include <gtest/gtest.h>

namespace rsolv::domain {
namespace {

using namespace std::chrono;

Timestamp day(int y, unsigned m, unsigned d) { return Timestamp(sys_days{year{y} / month{m} / d}); }
const Timestamp kMon = day(2026, 11, 23);  // a Monday

storage::ProvisionedSignup signup(Timestamp at, std::int64_t ms = 100) { return {at, ms, {}, {}, {}}; }

TEST(SuccessReport, PercentilesAreNearestRank) {
    SignupFacts f;
    for (int i = 1; i <= 100; ++i) f.provisioned.push_back(signup(kMon + hours(1), i));
    auto r = buildSuccessReport(f, kMon, kMon + hours(24), CohortSize::Day, kMon + hours(24 * 30));
    EXPECT_EQ(r.total.p50_ms, 50);
    EXPECT_EQ(r.total.p95_ms, 95);
    EXPECT_EQ(r.total.p99_ms, 99);
    f.provisioned.resize(10);  // 1..10 ms
    r = buildSuccessReport(f, kMon, kMon + hours(24), CohortSize::Day, kMon + hours(24 * 30));
    EXPECT_EQ(r.total.p50_ms, 5);
    EXPECT_EQ(r.total.p95_ms, 10);
    EXPECT_EQ(r.total.p99_ms, 10);
    EXPECT_EQ(r.total.provisioning_time, Verdict::Met);
    f.provisioned.push_back(signup(kMon, 5000));  // 5 s is not below 5 s
    r = buildSuccessReport(f, kMon, kMon + hours(24), CohortSize::Day, kMon + hours(24 * 30));
    EXPECT_EQ(r.total.p99_ms, 5000);
    EXPECT_EQ(r.total.provisioning_time, Verdict::Missed);
}

TEST(SuccessReport, SuccessRateMustBeAbove99Percent) {
    SignupFacts f;
    for (int i = 0; i < 99; ++i) f.provisioned.push_back(signup(kMon));
    f.failed.push_back(kMon + hours(2));
    auto r = buildSuccessReport(f, kMon, kMon + hours(24), CohortSize::Day, kMon + hours(24 * 30));
    EXPECT_EQ(r.total.signups, 100);
    EXPECT_EQ(r.total.failed, 1);
    EXPECT_DOUBLE_EQ(*r.total.success_rate, 0.99);
    EXPECT_EQ(r.total.success, Verdict::Missed) << "exactly 99 % is not above 99 %";
    f.provisioned.push_back(signup(kMon));
    r = buildSuccessReport(f, kMon, kMon + hours(24), CohortSize::Day, kMon + hours(24 * 30));
    EXPECT_EQ(r.total.success, Verdict::Met);
}

TEST(SuccessReport, ActivationWindowIsInclusiveAndPendingUntilItCloses) {
    SignupFacts f;
    auto in_time = signup(kMon + hours(1));
    in_time.first_dashboard_visit = in_time.signed_up_at + hours(24);  // exactly 24 h: within
    auto late = signup(kMon + hours(1));
    late.first_dashboard_visit = late.signed_up_at + hours(24) + microseconds(1);
    auto never = signup(kMon + hours(2));
    f.provisioned = {in_time, late, never};
    // Before the last window closes: "never" may still come, so the verdict waits.
    const Timestamp open = never.signed_up_at + hours(24);
    auto r = buildSuccessReport(f, kMon, kMon + hours(24), CohortSize::Day, open);
    EXPECT_EQ(r.total.activation.done, 1);
    EXPECT_EQ(r.total.activation.pending, 1);
    EXPECT_EQ(r.total.activation.verdict, Verdict::Pending);
    EXPECT_EQ(r.total.activation.final_at, open);
    // A moment later every window is closed: 1 of 3 is missed.
    r = buildSuccessReport(f, kMon, kMon + hours(24), CohortSize::Day, open + microseconds(1));
    EXPECT_EQ(r.total.activation.pending, 0);
    EXPECT_EQ(r.total.activation.verdict, Verdict::Missed);
    EXPECT_EQ(r.total.first_fix.verdict, Verdict::Missed);
    EXPECT_EQ(r.total.tickets.verdict, Verdict::Pending) << "a ticket may still come within 7 days";
    r = buildSuccessReport(f, kMon, kMon + hours(24), CohortSize::Day, never.signed_up_at + hours(24 * 7) +
                                                                           microseconds(1));
    EXPECT_EQ(r.total.tickets.verdict, Verdict::Met) << "no ticket at all is below 5 %";
}

TEST(SuccessReport, TicketsMustStayBelowFivePercent) {
    SignupFacts f;
    for (int i = 0; i < 20; ++i) f.provisioned.push_back(signup(kMon));
    f.provisioned[0].first_ticket = kMon + hours(24 * 7);  // the last moment of the window
    const Timestamp closed = kMon + hours(24 * 7) + seconds(1);
    auto r = buildSuccessReport(f, kMon, kMon + hours(24), CohortSize::Day, closed);
    EXPECT_EQ(r.total.tickets.done, 1);
    EXPECT_EQ(r.total.tickets.verdict, Verdict::Missed) << "1 of 20 is 5 %, not below";
    f.provisioned.push_back(signup(kMon));
    r = buildSuccessReport(f, kMon, kMon + hours(24), CohortSize::Day, closed);
    EXPECT_EQ(r.total.tickets.verdict, Verdict::Met);
    r = buildSuccessReport(f, kMon, kMon + hours(24), CohortSize::Day, kMon + hours(48));
    EXPECT_EQ(r.total.tickets.verdict, Verdict::Pending);
    EXPECT_EQ(r.total.activation.verdict, Verdict::Missed) << "the 24 h windows have closed by then";
}

TEST(SuccessReport, WeeksStartOnMondayAndAreClippedToThePeriod) {
    SignupFacts f;
    f.provisioned = {signup(kMon - hours(24 * 5)), signup(kMon - hours(1)), signup(kMon), signup(kMon + hours(24 * 8))};
    f.failed = {kMon + hours(24 * 7)};
    f.rejections = {{"2026-11-20", "duplicate", 2}, {"2026-11-23", "disposable", 3}, {"2026-11-23", "duplicate", 1}};
    const auto r = buildSuccessReport(f, kMon - hours(24 * 5), kMon + hours(24 * 9), CohortSize::Week,
                                      kMon + hours(24 * 60));
    ASSERT_EQ(r.cohorts.size(), 3u);
    EXPECT_EQ(reportDate(r.cohorts[0].start), "2026-11-18");  // a Wednesday, the period's start
    EXPECT_EQ(reportDate(r.cohorts[0].end), "2026-11-23");
    EXPECT_EQ(reportDate(r.cohorts[1].start), "2026-11-23");
    EXPECT_EQ(reportDate(r.cohorts[2].start), "2026-11-30");
    EXPECT_EQ(reportDate(r.cohorts[2].end), "2026-12-02");
    EXPECT_EQ(r.cohorts[0].provisioned, 2);
    EXPECT_EQ(r.cohorts[1].provisioned, 1);
    EXPECT_EQ(r.cohorts[2].provisioned, 1);
    EXPECT_EQ(r.cohorts[2].failed, 1);
    EXPECT_EQ(r.cohorts[0].rejections.at("duplicate"), 2);
    EXPECT_EQ(r.cohorts[1].rejected, 4);
    EXPECT_EQ(r.total.rejections.at("duplicate"), 3);
    EXPECT_EQ(r.total.signups, 5) << "rejections are not signups";
}

TEST(SuccessReport, EmptyCohortsHaveNoData) {
    const auto r = buildSuccessReport({}, kMon, kMon + hours(48), CohortSize::Day, kMon);
    ASSERT_EQ(r.cohorts.size(), 2u);
    EXPECT_EQ(r.cohorts[1].success, Verdict::NoData);
    EXPECT_EQ(r.cohorts[1].activation.verdict, Verdict::NoData);
    EXPECT_FALSE(r.cohorts[1].p99_ms.has_value());
    const auto j = toJson(r);
    EXPECT_EQ(j["cohorts"][1]["activation_24h"]["verdict"], "no_data");
    EXPECT_TRUE(j["cohorts"][1]["provisioning_ms"]["p99"].is_null());
}

TEST(SuccessReport, DatesAreStrict) {
    EXPECT_EQ(parseReportDate("2026-11-23", "since").value(), kMon);
    EXPECT_FALSE(parseReportDate("2026-02-30", "since").ok());
    EXPECT_FALSE(parseReportDate("2026-1-01", "since").ok());
    EXPECT_FALSE(parseReportDate("yesterday", "since").ok());
    EXPECT_EQ(parseReportDate("x", "--since").error().message, "--since must be a date as YYYY-MM-DD (UTC)");
    EXPECT_FALSE(parseCohortSize("month").ok());
}

}  // namespace
}  // namespace rsolv::domain
