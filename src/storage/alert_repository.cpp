#include "storage/alert_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kLastEvaluation{"SELECT last_run_at FROM alert_evaluations WHERE id = 1"};
constexpr Query kRecordEvaluation{
    "INSERT INTO alert_evaluations (id, last_run_at, instance) VALUES (1, $1, $2) "
    "ON CONFLICT (id) DO UPDATE SET last_run_at = excluded.last_run_at, instance = excluded.instance"};
constexpr Query kStates{
    "SELECT name, firing, announced, since, detail, last_notified_at FROM alert_states ORDER BY name"};
constexpr Query kSaveState{
    "INSERT INTO alert_states (name, firing, announced, since, detail, last_notified_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO UPDATE SET firing = excluded.firing, "
    "announced = excluded.announced, since = excluded.since, detail = excluded.detail, "
    "last_notified_at = excluded.last_notified_at, updated_at = excluded.updated_at"};
constexpr Query kHeartbeat{
    "INSERT INTO instance_heartbeats (instance, last_seen_at) VALUES ($1, $2) "
    "ON CONFLICT (instance) DO UPDATE SET last_seen_at = excluded.last_seen_at"};
constexpr Query kForgetInstance{"DELETE FROM instance_heartbeats WHERE instance = $1"};
constexpr Query kSilentInstances{
    "SELECT instance FROM instance_heartbeats WHERE last_seen_at < $1 AND last_seen_at >= $2 ORDER BY instance"};
constexpr Query kPruneInstances{"DELETE FROM instance_heartbeats WHERE last_seen_at < $1"};
constexpr Query kCountEvents{
    "SELECT COUNT(*) AS n FROM provisioning_events WHERE event_type = $1 AND created_at >= $2"};
constexpr Query kEventDetails{
    "SELECT details FROM provisioning_events WHERE event_type = $1 AND created_at >= $2"};
constexpr Query kOldestDueJob{
    "SELECT MIN(run_at) AS oldest FROM jobs WHERE state IN ('available', 'retryable') AND run_at <= $1"};
constexpr Query kDeadJobsSince{"SELECT COUNT(*) AS n FROM jobs WHERE state = 'dead' AND finished_at >= $1"};
constexpr Query kFailedEmailJobsSince{
    "SELECT COUNT(*) AS n FROM jobs WHERE kind LIKE 'email.%' AND state IN ('retryable', 'dead') "
    "AND last_error IS NOT NULL AND updated_at >= $1"};

}  // namespace

std::optional<Timestamp> AlertRepository::lastEvaluation() {
    auto rs = tx_.exec(kLastEvaluation);
    if (rs.empty()) return std::nullopt;
    return rs.front().time("last_run_at");
}

void AlertRepository::recordEvaluation(Timestamp at, const std::string& instance) {
    tx_.exec(kRecordEvaluation, {at, instance});
}

std::vector<AlertStateRecord> AlertRepository::states() {
    std::vector<AlertStateRecord> out;
    const auto rs = tx_.exec(kStates);
    for (size_t i = 0; i < rs.size(); ++i) {
        const auto row = rs[i];
        out.push_back({row.str("name"), row.i64("firing") != 0, row.i64("announced") != 0, row.optTime("since"),
                       row.str("detail"), row.optTime("last_notified_at")});
    }
    return out;
}

void AlertRepository::saveState(const AlertStateRecord& s, Timestamp now) {
    tx_.exec(kSaveState, {s.name, std::int64_t(s.firing ? 1 : 0), std::int64_t(s.announced ? 1 : 0),
                          nullable(s.since), s.detail, nullable(s.last_notified_at), now});
}

void AlertRepository::heartbeat(const std::string& instance, Timestamp now) { tx_.exec(kHeartbeat, {instance, now}); }

void AlertRepository::forgetInstance(const std::string& instance) { tx_.exec(kForgetInstance, {instance}); }

std::vector<std::string> AlertRepository::silentInstances(Timestamp silent_since, Timestamp forgotten_before) {
    std::vector<std::string> out;
    const auto rs = tx_.exec(kSilentInstances, {silent_since, forgotten_before});
    for (size_t i = 0; i < rs.size(); ++i) out.push_back(rs[i].str("instance"));
    return out;
}

void AlertRepository::pruneInstances(Timestamp forgotten_before) { tx_.exec(kPruneInstances, {forgotten_before}); }

std::int64_t AlertRepository::countEvents(std::string_view event_type, Timestamp since) {
    return tx_.exec(kCountEvents, {std::string(event_type), since}).front().i64("n");
}

std::vector<std::string> AlertRepository::eventDetails(std::string_view event_type, Timestamp since) {
    std::vector<std::string> out;
    const auto rs = tx_.exec(kEventDetails, {std::string(event_type), since});
    for (size_t i = 0; i < rs.size(); ++i) out.push_back(rs[i].str("details"));
    return out;
}

std::optional<Timestamp> AlertRepository::oldestDueJob(Timestamp now) {
    return tx_.exec(kOldestDueJob, {now}).front().optTime("oldest");
}

std::int64_t AlertRepository::deadJobsSince(Timestamp since) {
    return tx_.exec(kDeadJobsSince, {since}).front().i64("n");
}

std::int64_t AlertRepository::failedEmailJobsSince(Timestamp since) {
    return tx_.exec(kFailedEmailJobsSince, {since}).front().i64("n");
}

}  // namespace rsolv::storage
