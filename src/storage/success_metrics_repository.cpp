#include "storage/success_metrics_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kProvisioned{
    "SELECT e.created_at AS signed_up_at, COALESCE((e.details->>'duration_ms')::bigint, 0) AS duration_ms, "
    "c.first_dashboard_visit_at, c.first_fix_attempt_at, "
    "(SELECT MIN(t.created_at) FROM support_tickets t WHERE t.customer_id = e.customer_id) AS first_ticket_at "
    "FROM provisioning_events e LEFT JOIN customers c ON c.id = e.customer_id "
    "WHERE e.event_type = 'provisioning_completed' AND e.created_at >= $1 AND e.created_at < $2",
    "SELECT e.created_at AS signed_up_at, COALESCE(CAST(json_extract(e.details, '$.duration_ms') AS INTEGER), 0) "
    "AS duration_ms, c.first_dashboard_visit_at, c.first_fix_attempt_at, "
    "(SELECT MIN(t.created_at) FROM support_tickets t WHERE t.customer_id = e.customer_id) AS first_ticket_at "
    "FROM provisioning_events e LEFT JOIN customers c ON c.id = e.customer_id "
    "WHERE e.event_type = 'provisioning_completed' AND e.created_at >= ?1 AND e.created_at < ?2"};
constexpr Query kFailures{
    "SELECT created_at FROM provisioning_events WHERE event_type = 'provisioning_failed' "
    "AND created_at >= $1 AND created_at < $2"};
constexpr Query kRejections{
    "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, "
    "CASE WHEN event_type = 'signup_duplicate' THEN 'duplicate' "
    "WHEN details->>'reason' = 'invalid' AND details->'errors' @> '[{\"code\": \"disposable\"}]'::jsonb "
    "THEN 'disposable' ELSE COALESCE(details->>'reason', 'unknown') END AS reason, COUNT(*) AS n "
    "FROM provisioning_events WHERE event_type IN ('signup_rejected', 'signup_duplicate') "
    "AND created_at >= $1 AND created_at < $2 GROUP BY 1, 2 ORDER BY 1, 2",
    "SELECT substr(created_at, 1, 10) AS day, "
    "CASE WHEN event_type = 'signup_duplicate' THEN 'duplicate' "
    "WHEN json_extract(details, '$.reason') = 'invalid' AND EXISTS (SELECT 1 FROM json_each(details, '$.errors') j "
    "WHERE json_extract(j.value, '$.code') = 'disposable') "
    "THEN 'disposable' ELSE COALESCE(json_extract(details, '$.reason'), 'unknown') END AS reason, COUNT(*) AS n "
    "FROM provisioning_events WHERE event_type IN ('signup_rejected', 'signup_duplicate') "
    "AND created_at >= ?1 AND created_at < ?2 GROUP BY 1, 2 ORDER BY 1, 2"};

}  // namespace

std::vector<ProvisionedSignup> SuccessMetricsRepository::provisioned(Timestamp since, Timestamp until) {
    const auto rs = tx_.exec(kProvisioned, {since, until});
    std::vector<ProvisionedSignup> out;
    out.reserve(rs.size());
    for (size_t i = 0; i < rs.size(); ++i) {
        const auto r = rs[i];
        out.push_back({r.time("signed_up_at"), r.i64("duration_ms"), r.optTime("first_dashboard_visit_at"),
                       r.optTime("first_fix_attempt_at"), r.optTime("first_ticket_at")});
    }
    return out;
}

std::vector<Timestamp> SuccessMetricsRepository::failures(Timestamp since, Timestamp until) {
    const auto rs = tx_.exec(kFailures, {since, until});
    std::vector<Timestamp> out;
    for (size_t i = 0; i < rs.size(); ++i) out.push_back(rs[i].time("created_at"));
    return out;
}

std::vector<RejectionDay> SuccessMetricsRepository::rejections(Timestamp since, Timestamp until) {
    const auto rs = tx_.exec(kRejections, {since, until});
    std::vector<RejectionDay> out;
    for (size_t i = 0; i < rs.size(); ++i) out.push_back({rs[i].str("day"), rs[i].str("reason"), rs[i].i64("n")});
    return out;
}

}  // namespace rsolv::storage
