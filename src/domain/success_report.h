#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "storage/database.h"
#include "storage/success_metrics_repository.h"

namespace rsolv::domain {

/// RFC-065's five success metrics, each judged against its target.
namespace success_target {
inline constexpr std::int64_t kProvisioningP99Ms = 5000;  ///< provisioning time < 5 s (judged on the p99)
inline constexpr int kSuccessPercent = 99;                ///< success rate > 99 %
inline constexpr int kActivationPercent = 80;             ///< dashboard visit within 24 h > 80 %
inline constexpr int kFirstFixPercent = 60;               ///< first fix attempt within 24 h > 60 %
inline constexpr int kTicketPercent = 5;                  ///< support ticket within 7 days < 5 %
inline constexpr auto kActivationWindow = std::chrono::hours(24);
inline constexpr auto kFirstFixWindow = std::chrono::hours(24);
inline constexpr auto kTicketWindow = std::chrono::hours(24 * 7);
}  // namespace success_target

enum class CohortSize { Day, Week };

/// met / missed against the target; pending while a customer of the cohort is still inside the metric's window
/// and has not done it yet (the share can still change); no_data without a signup.
enum class Verdict { Met, Missed, Pending, NoData };
std::string_view toString(Verdict v);

/// A share of the cohort's provisioned customers who did something within a window after signing up.
struct WindowedShare {
    std::int64_t done = 0;     ///< did it within the window
    std::int64_t pending = 0;  ///< not yet, and their window is still open
    std::int64_t of = 0;       ///< provisioned customers of the cohort
    std::optional<double> rate;  ///< done / of (provisional while pending > 0)
    Verdict verdict = Verdict::NoData;
    Timestamp final_at;        ///< when every window of the cohort has closed (its end + the window)
};

struct CohortReport {
    Timestamp start;  ///< inclusive, UTC midnight (weeks start on Monday; clipped to the report's period)
    Timestamp end;    ///< exclusive
    std::int64_t signups = 0;      ///< provisioned + failed (rejections are apart)
    std::int64_t provisioned = 0;
    std::int64_t failed = 0;
    std::optional<double> success_rate;
    Verdict success = Verdict::NoData;
    std::optional<std::int64_t> p50_ms, p95_ms, p99_ms;  ///< nearest-rank percentiles of provisioning time
    Verdict provisioning_time = Verdict::NoData;          ///< p99 against 5 s
    WindowedShare activation;  ///< first signed-in dashboard visit within 24 h
    WindowedShare first_fix;   ///< first fix attempt within 24 h
    WindowedShare tickets;     ///< a support ticket within 7 days (target: below 5 %)
    std::map<std::string, std::int64_t> rejections;  ///< by reason
    std::int64_t rejected = 0;
};

struct SuccessReport {
    Timestamp since;
    Timestamp until;
    CohortSize by = CohortSize::Day;
    Timestamp generated_at;
    std::vector<CohortReport> cohorts;  ///< every day or week of the period, oldest first, empty ones included
    CohortReport total;                 ///< the whole period as one cohort
};

/// The facts of a period, as storage reads them.
struct SignupFacts {
    std::vector<storage::ProvisionedSignup> provisioned;
    std::vector<Timestamp> failed;
    std::vector<storage::RejectionDay> rejections;
};

/// The report from the facts: pure, so a test can compute the truth apart and compare. `since` and `until` are UTC
/// midnights, since < until.
SuccessReport buildSuccessReport(const SignupFacts& facts, Timestamp since, Timestamp until, CohortSize by,
                                 Timestamp now);

/// Reads the facts of [since, until) and builds the report (one read transaction).
SuccessReport successReport(storage::Database& db, Timestamp since, Timestamp until, CohortSize by, Timestamp now);

/// "2026-11-23" as that day's UTC midnight; an error naming `field` otherwise.
Result<Timestamp> parseReportDate(std::string_view text, std::string_view field);
/// "day" or "week".
Result<CohortSize> parseCohortSize(std::string_view text);
/// The UTC midnight at or before `t`.
Timestamp utcMidnight(Timestamp t);
/// YYYY-MM-DD of a time (UTC).
std::string reportDate(Timestamp t);

/// The report as JSON (README "Success metrics" documents every field).
nlohmann::json toJson(const SuccessReport& report);

}  // namespace rsolv::domain
