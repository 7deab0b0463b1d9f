#include "storage/batch_repository.h"

#include <nlohmann/json.hpp>

namespace rsolv::storage {
namespace {

/// PostgreSQL: both inserts in one statement (every data-modifying WITH runs, read or not).
constexpr Query kInsertBoth{
    "WITH j AS (INSERT INTO jobs (kind, payload, unique_key, state, run_at, max_attempts, created_at, updated_at) "
    "SELECT r.kind, r.payload, r.unique_key, 'available', r.run_at, r.max_attempts, $2::timestamptz, $2::timestamptz "
    "FROM jsonb_to_recordset($1::jsonb) AS r(kind text, payload text, unique_key text, run_at timestamptz, "
    "max_attempts integer) ON CONFLICT (unique_key) DO NOTHING RETURNING 1), "
    "e AS (INSERT INTO provisioning_events (id, customer_id, event_type, status, details, created_at) "
    "SELECT r.id, r.customer_id, r.event_type, r.status, r.details, r.created_at FROM jsonb_to_recordset($3::jsonb) "
    "AS r(id uuid, customer_id bigint, event_type text, status text, details jsonb, created_at timestamptz)) "
    "SELECT count(*) AS n FROM j"};
constexpr Query kSqliteInsertJobs{
    "INSERT INTO jobs (kind, payload, unique_key, state, run_at, max_attempts, created_at, updated_at) "
    "SELECT json_extract(value, '$.kind'), json_extract(value, '$.payload'), json_extract(value, '$.unique_key'), "
    "'available', json_extract(value, '$.run_at'), json_extract(value, '$.max_attempts'), ?2, ?2 "
    "FROM json_each(?1) WHERE true ON CONFLICT (unique_key) DO NOTHING"};
constexpr Query kSqliteInsertEvents{
    "INSERT INTO provisioning_events (id, customer_id, event_type, status, details, created_at) "
    "SELECT json_extract(value, '$.id'), json_extract(value, '$.customer_id'), json_extract(value, '$.event_type'), "
    "json_extract(value, '$.status'), json(json_extract(value, '$.details')), json_extract(value, '$.created_at') "
    "FROM json_each(?1)"};

std::string eventRows(const std::vector<EventRecord>& events) {
    auto rows = nlohmann::json::array();
    for (const auto& e : events)
        rows.push_back({{"id", e.id},
                        {"customer_id", e.customer_id ? nlohmann::json(*e.customer_id) : nlohmann::json(nullptr)},
                        {"event_type", e.event_type},
                        {"status", e.status},
                        {"details", nlohmann::json::parse(e.details_json.empty() ? "{}" : e.details_json)},
                        {"created_at", formatTimestamp(e.created_at)}});
    return rows.dump();
}

std::string jobRows(const std::vector<JobRow>& jobs) {
    auto rows = nlohmann::json::array();
    for (const auto& j : jobs)
        rows.push_back({{"kind", j.kind},
                        {"payload", j.payload},
                        {"unique_key", j.unique_key ? nlohmann::json(*j.unique_key) : nlohmann::json(nullptr)},
                        {"run_at", formatTimestamp(j.run_at)},
                        {"max_attempts", j.max_attempts}});
    return rows.dump();
}

}  // namespace

int BatchRepository::insert(const std::vector<JobRow>& jobs, const std::vector<EventRecord>& events, Timestamp now) {
    if (jobs.empty() && events.empty()) return 0;
    if (tx_.dialect() == Dialect::Postgres)
        return int(tx_.exec(kInsertBoth, {jobRows(jobs), now, eventRows(events)}).front().i64("n"));
    int inserted = 0;
    if (!jobs.empty()) inserted = int(tx_.exec(kSqliteInsertJobs, {jobRows(jobs), now}).affected);
    if (!events.empty()) tx_.exec(kSqliteInsertEvents, {eventRows(events)});
    return inserted;
}

}  // namespace rsolv::storage
