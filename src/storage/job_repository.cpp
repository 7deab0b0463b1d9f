#include "storage/job_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kInsert{
    "INSERT INTO jobs (kind, payload, unique_key, state, run_at, max_attempts, created_at, updated_at) "
    "VALUES ($1, $2, $3, 'available', $4, $5, $6, $6) ON CONFLICT (unique_key) DO NOTHING"};

constexpr Query kClaim{
    "UPDATE jobs SET state = 'running', lease_owner = $1, lease_token = $2, lease_expires_at = $3, "
    "attempts = attempts + 1, updated_at = $4 "
    "WHERE id IN (SELECT id FROM jobs WHERE state IN ('available', 'retryable') AND run_at <= $4 "
    "AND strpos($6, ',' || kind || ',') = 0 "
    "ORDER BY run_at, id LIMIT $5 FOR UPDATE SKIP LOCKED) "
    "RETURNING id, kind, payload, unique_key, attempts, max_attempts, lease_token, run_at",
    "UPDATE jobs SET state = 'running', lease_owner = ?1, lease_token = ?2, lease_expires_at = ?3, "
    "attempts = attempts + 1, updated_at = ?4 "
    "WHERE id IN (SELECT id FROM jobs WHERE state IN ('available', 'retryable') AND run_at <= ?4 "
    "AND instr(?6, ',' || kind || ',') = 0 "
    "ORDER BY run_at, id LIMIT ?5) "
    "RETURNING id, kind, payload, unique_key, attempts, max_attempts, lease_token, run_at"};

constexpr Query kExtend{
    "UPDATE jobs SET lease_expires_at = $3, updated_at = $4 WHERE id = $1 AND lease_token = $2 AND state = 'running'"};

constexpr Query kComplete{
    "UPDATE jobs SET state = 'completed', payload = COALESCE($3, payload), lease_owner = NULL, lease_token = NULL, "
    "lease_expires_at = NULL, last_error = NULL, finished_at = $4, updated_at = $4 "
    "WHERE id = $1 AND lease_token = $2 AND state = 'running'"};

constexpr Query kReschedule{
    "UPDATE jobs SET state = 'retryable', run_at = $3, last_error = $4, lease_owner = NULL, lease_token = NULL, "
    "lease_expires_at = NULL, updated_at = $5 WHERE id = $1 AND lease_token = $2 AND state = 'running'"};

constexpr Query kBury{
    "UPDATE jobs SET state = 'dead', last_error = $3, payload = COALESCE($5, payload), lease_owner = NULL, "
    "lease_token = NULL, lease_expires_at = NULL, finished_at = $4, updated_at = $4 "
    "WHERE id = $1 AND lease_token = $2 AND state = 'running'"};

constexpr Query kRelease{
    "UPDATE jobs SET state = 'available', attempts = attempts - 1, lease_owner = NULL, lease_token = NULL, "
    "lease_expires_at = NULL, updated_at = $3 WHERE id = $1 AND lease_token = $2 AND state = 'running'"};

constexpr Query kDefer{
    "UPDATE jobs SET state = 'available', attempts = attempts - 1, last_error = $3, lease_owner = NULL, "
    "lease_token = NULL, lease_expires_at = NULL, updated_at = $4 "
    "WHERE id = $1 AND lease_token = $2 AND state = 'running'"};

constexpr Query kRescue{
    "UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'retryable' END, "
    "finished_at = CASE WHEN attempts >= max_attempts THEN $1 ELSE NULL END, "
    "last_error = 'lease expired: the worker stopped or was killed', run_at = $1, lease_owner = NULL, "
    "lease_token = NULL, lease_expires_at = NULL, updated_at = $1 "
    "WHERE state = 'running' AND lease_expires_at < $1 "
    "RETURNING id, kind, payload, unique_key, attempts, max_attempts, lease_token, run_at, state"};

constexpr Query kSetPayload{"UPDATE jobs SET payload = $2 WHERE id = $1"};

constexpr Query kPrune{"DELETE FROM jobs WHERE state IN ('completed', 'cancelled') AND finished_at < $1"};

constexpr Query kCancel{
    "UPDATE jobs SET state = 'cancelled', finished_at = $2, updated_at = $2 "
    "WHERE unique_key = $1 AND state IN ('available', 'retryable')"};

constexpr Query kCounts{
    "SELECT state, COUNT(*) AS n, MIN(run_at) AS oldest FROM jobs GROUP BY state ORDER BY state"};

constexpr Query kByUniqueKey{
    "SELECT id, kind, payload, unique_key, attempts, max_attempts, lease_token, run_at FROM jobs WHERE unique_key = $1"};

constexpr Query kState{"SELECT state FROM jobs WHERE id = $1"};

JobRecord toRecord(const Row& r) {
    JobRecord j;
    j.id = r.i64("id");
    j.kind = r.str("kind");
    j.payload = r.str("payload");
    j.unique_key = r.opt("unique_key");
    j.attempts = int(r.i64("attempts"));
    j.max_attempts = int(r.i64("max_attempts"));
    j.lease_token = r.opt("lease_token").value_or("");
    j.run_at = r.time("run_at");
    return j;
}

}  // namespace

bool JobRepository::insert(const std::string& kind, const std::string& payload,
                           const std::optional<std::string>& unique_key, Timestamp run_at, int max_attempts,
                           Timestamp now) {
    return tx_.exec(kInsert, {kind, payload, nullable(unique_key), run_at, std::int64_t(max_attempts), now}).affected ==
           1;
}

std::vector<JobRecord> JobRepository::claim(int limit, const std::string& owner, const std::string& token,
                                            Timestamp lease_until, Timestamp now, const std::string& skip_kinds) {
    const auto rs = tx_.exec(kClaim, {owner, token, lease_until, now, std::int64_t(limit), skip_kinds});
    std::vector<JobRecord> out;
    out.reserve(rs.size());
    for (size_t i = 0; i < rs.size(); ++i) out.push_back(toRecord(rs[i]));
    return out;
}

bool JobRepository::extendLease(std::int64_t id, const std::string& token, Timestamp lease_until, Timestamp now) {
    return tx_.exec(kExtend, {id, token, lease_until, now}).affected == 1;
}

bool JobRepository::complete(std::int64_t id, const std::string& token, const std::optional<std::string>& new_payload,
                             Timestamp now) {
    return tx_.exec(kComplete, {id, token, nullable(new_payload), now}).affected == 1;
}

bool JobRepository::reschedule(std::int64_t id, const std::string& token, Timestamp run_at, const std::string& error,
                               Timestamp now) {
    return tx_.exec(kReschedule, {id, token, run_at, error.substr(0, 1000), now}).affected == 1;
}

bool JobRepository::bury(std::int64_t id, const std::string& token, const std::string& error,
                         const std::optional<std::string>& new_payload, Timestamp now) {
    return tx_.exec(kBury, {id, token, error.substr(0, 1000), now, nullable(new_payload)}).affected == 1;
}

bool JobRepository::release(std::int64_t id, const std::string& token, Timestamp now) {
    return tx_.exec(kRelease, {id, token, now}).affected == 1;
}

bool JobRepository::defer(std::int64_t id, const std::string& token, const std::string& error, Timestamp now) {
    return tx_.exec(kDefer, {id, token, error.substr(0, 1000), now}).affected == 1;
}

RescueResult JobRepository::rescueExpired(Timestamp now) {
    const auto rs = tx_.exec(kRescue, {now});
    RescueResult out;
    out.rescued = int(rs.size());
    for (size_t i = 0; i < rs.size(); ++i)
        if (rs[i].str("state") == "dead") out.dead.push_back(toRecord(rs[i]));
    return out;
}

void JobRepository::setPayload(std::int64_t id, const std::string& payload) { tx_.exec(kSetPayload, {id, payload}); }

int JobRepository::pruneFinished(Timestamp before) { return int(tx_.exec(kPrune, {before}).affected); }

int JobRepository::cancel(const std::string& unique_key, Timestamp now) {
    return int(tx_.exec(kCancel, {unique_key, now}).affected);
}

std::vector<JobStateCount> JobRepository::countByState() {
    const auto rs = tx_.exec(kCounts);
    std::vector<JobStateCount> out;
    for (size_t i = 0; i < rs.size(); ++i) out.push_back({rs[i].str("state"), rs[i].i64("n"), rs[i].optTime("oldest")});
    return out;
}

std::optional<JobRecord> JobRepository::findByUniqueKey(const std::string& unique_key) {
    auto row = tx_.exec(kByUniqueKey, {unique_key}).first();
    if (!row) return std::nullopt;
    return toRecord(*row);
}

std::optional<std::string> JobRepository::stateOf(std::int64_t id) {
    auto row = tx_.exec(kState, {id}).first();
    if (!row) return std::nullopt;
    return row->str("state");
}

}  // namespace rsolv::storage
