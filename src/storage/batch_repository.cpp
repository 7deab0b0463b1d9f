#include "storage/batch_repository.h"

#include <nlohmann/json.hpp>

namespace rsolv::storage {
namespace {

constexpr Query kInsertEvents{
    "INSERT INTO provisioning_events (id, customer_id, event_type, status, details, created_at) "
    "SELECT r.id, r.customer_id, r.event_type, r.status, r.details, r.created_at FROM jsonb_to_recordset($1::jsonb) "
    "AS r(id uuid, customer_id bigint, event_type text, status text, details jsonb, created_at timestamptz)",
    "INSERT INTO provisioning_events (id, customer_id, event_type, status, details, created_at) "
    "SELECT json_extract(value, '$.id'), json_extract(value, '$.customer_id'), json_extract(value, '$.event_type'), "
    "json_extract(value, '$.status'), json(json_extract(value, '$.details')), json_extract(value, '$.created_at') "
    "FROM json_each(?1)"};

constexpr Query kInsertJobs{
    "INSERT INTO jobs (kind, payload, unique_key, state, run_at, max_attempts, created_at, updated_at) "
    "SELECT r.kind, r.payload, r.unique_key, 'available', r.run_at, r.max_attempts, $2::timestamptz, $2::timestamptz "
    "FROM jsonb_to_recordset($1::jsonb) AS r(kind text, payload text, unique_key text, run_at timestamptz, "
    "max_attempts integer) ON CONFLICT (unique_key) DO NOTHING",
    "INSERT INTO jobs (kind, payload, unique_key, state, run_at, max_attempts, created_at, updated_at) "
    "SELECT json_extract(value, '$.kind'), json_extract(value, '$.payload'), json_extract(value, '$.unique_key'), "
    "'available', json_extract(value, '$.run_at'), json_extract(value, '$.max_attempts'), ?2, ?2 "
    "FROM json_each(?1) WHERE true ON CONFLICT (unique_key) DO NOTHING"};

}  // namespace

void BatchRepository::insertEvents(const std::vector<EventRecord>& events) {
    if (events.empty()) return;
    auto rows = nlohmann::json::array();
    for (const auto& e : events)
        rows.push_back({{"id", e.id},
                        {"customer_id", e.customer_id ? nlohmann::json(*e.customer_id) : nlohmann::json(nullptr)},
                        {"event_type", e.event_type},
                        {"status", e.status},
                        {"details", nlohmann::json::parse(e.details_json.empty() ? "{}" : e.details_json)},
                        {"created_at", formatTimestamp(e.created_at)}});
    tx_.exec(kInsertEvents, {rows.dump()});
}

int BatchRepository::insertJobs(const std::vector<JobRow>& jobs, Timestamp now) {
    if (jobs.empty()) return 0;
    auto rows = nlohmann::json::array();
    for (const auto& j : jobs)
        rows.push_back({{"kind", j.kind},
                        {"payload", j.payload},
                        {"unique_key", j.unique_key ? nlohmann::json(*j.unique_key) : nlohmann::json(nullptr)},
                        {"run_at", formatTimestamp(j.run_at)},
                        {"max_attempts", j.max_attempts}});
    return int(tx_.exec(kInsertJobs, {rows.dump(), now}).affected);
}

}  // namespace rsolv::storage
