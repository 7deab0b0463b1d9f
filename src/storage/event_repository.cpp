#include "storage/event_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kInsert{
    "INSERT INTO provisioning_events (id, customer_id, event_type, status, details, created_at) "
    "VALUES ($1, $2, $3, $4, $5::jsonb, $6)",
    "INSERT INTO provisioning_events (id, customer_id, event_type, status, details, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"};
constexpr Query kByCustomer{
    "SELECT id, customer_id, event_type, status, details, created_at FROM provisioning_events "
    "WHERE customer_id = $1 ORDER BY created_at, id"};
constexpr Query kByType{
    "SELECT id, customer_id, event_type, status, details, created_at FROM provisioning_events "
    "WHERE event_type = $1 ORDER BY created_at DESC LIMIT $2"};

std::vector<EventRecord> toRecords(const ResultSet& rs) {
    std::vector<EventRecord> out;
    for (size_t i = 0; i < rs.size(); ++i) {
        const Row r = rs[i];
        out.push_back({r.str("id"), r.optI64("customer_id"), r.str("event_type"), r.str("status"), r.str("details"),
                       r.time("created_at")});
    }
    return out;
}

}  // namespace

void EventRepository::record(const EventRecord& e) {
    tx_.exec(kInsert, {e.id, e.customer_id ? Value(*e.customer_id) : Value(nullptr), e.event_type, e.status,
                       e.details_json.empty() ? std::string("{}") : e.details_json, e.created_at});
}

std::vector<EventRecord> EventRepository::listForCustomer(std::int64_t customer_id) {
    return toRecords(tx_.exec(kByCustomer, {customer_id}));
}

std::vector<EventRecord> EventRepository::listByType(const std::string& event_type, int limit) {
    return toRecords(tx_.exec(kByType, {event_type, std::int64_t(limit)}));
}

}  // namespace rsolv::storage
