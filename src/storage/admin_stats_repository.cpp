#include "storage/admin_stats_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kCountType{"SELECT COUNT(*) AS n FROM provisioning_events WHERE event_type = $1 AND created_at >= $2"};
constexpr Query kRejected{
    "SELECT COALESCE(details->>'reason', 'unknown') AS reason, COUNT(*) AS n FROM provisioning_events "
    "WHERE event_type = 'signup_rejected' AND created_at >= $1 GROUP BY 1 ORDER BY 2 DESC",
    "SELECT COALESCE(json_extract(details, '$.reason'), 'unknown') AS reason, COUNT(*) AS n FROM provisioning_events "
    "WHERE event_type = 'signup_rejected' AND created_at >= ?1 GROUP BY 1 ORDER BY 2 DESC"};
constexpr Query kAverageMs{
    "SELECT AVG((details->>'duration_ms')::numeric)::text AS ms FROM provisioning_events "
    "WHERE event_type = 'provisioning_completed' AND created_at >= $1",
    "SELECT CAST(AVG(json_extract(details, '$.duration_ms')) AS TEXT) AS ms FROM provisioning_events "
    "WHERE event_type = 'provisioning_completed' AND created_at >= ?1"};
constexpr Query kDeadJobs{
    "SELECT id, kind, COALESCE(last_error, '') AS last_error, updated_at FROM jobs WHERE state = 'dead' "
    "ORDER BY updated_at DESC LIMIT $1"};

}  // namespace

SignupCounts AdminStatsRepository::signupsSince(Timestamp since) {
    SignupCounts out;
    out.provisioned = tx_.exec(kCountType, {std::string("provisioning_completed"), since}).front().i64("n");
    out.failed = tx_.exec(kCountType, {std::string("provisioning_failed"), since}).front().i64("n");
    const auto rs = tx_.exec(kRejected, {since});
    for (size_t i = 0; i < rs.size(); ++i) out.rejected_by_reason.emplace_back(rs[i].str("reason"), rs[i].i64("n"));
    if (const auto ms = tx_.exec(kAverageMs, {since}).front().opt("ms")) out.average_provisioning_ms = std::stod(*ms);
    return out;
}

std::vector<FailedJob> AdminStatsRepository::recentDeadJobs(int limit) {
    const auto rs = tx_.exec(kDeadJobs, {std::int64_t(limit)});
    std::vector<FailedJob> out;
    for (size_t i = 0; i < rs.size(); ++i)
        out.push_back({rs[i].i64("id"), rs[i].str("kind"), rs[i].str("last_error"), rs[i].time("updated_at")});
    return out;
}

}  // namespace rsolv::storage
