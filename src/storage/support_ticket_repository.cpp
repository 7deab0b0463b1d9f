#include "storage/support_ticket_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kInsert{
    "INSERT INTO support_tickets (customer_id, subject, message, created_at) VALUES ($1, $2, $3, $4) RETURNING id"};
#define RSOLV_TICKET_SELECT                                                                              \
    "SELECT t.id, t.customer_id, t.subject, t.message, t.created_at, c.email AS customer_email, "       \
    "c.name AS customer_name FROM support_tickets t JOIN customers c ON c.id = t.customer_id "
constexpr Query kFind{RSOLV_TICKET_SELECT "WHERE t.id = $1"};
constexpr Query kRecent{RSOLV_TICKET_SELECT "WHERE t.id < $1 ORDER BY t.id DESC LIMIT $2"};
constexpr Query kForCustomer{RSOLV_TICKET_SELECT "WHERE t.customer_id = $1 ORDER BY t.id DESC LIMIT $2"};
#undef RSOLV_TICKET_SELECT

SupportTicketRecord toRecord(const Row& r) {
    SupportTicketRecord t;
    t.id = r.i64("id");
    t.customer_id = r.i64("customer_id");
    t.subject = r.str("subject");
    t.message = r.str("message");
    t.created_at = r.time("created_at");
    t.customer_email = r.str("customer_email");
    t.customer_name = r.str("customer_name");
    return t;
}

std::vector<SupportTicketRecord> toRecords(const ResultSet& rs) {
    std::vector<SupportTicketRecord> out;
    for (size_t i = 0; i < rs.size(); ++i) out.push_back(toRecord(rs[i]));
    return out;
}

}  // namespace

std::int64_t SupportTicketRepository::insert(std::int64_t customer_id, const std::string& subject,
                                             const std::string& message, Timestamp now) {
    return tx_.exec(kInsert, {customer_id, subject, message, now}).front().i64("id");
}

std::optional<SupportTicketRecord> SupportTicketRepository::find(std::int64_t id) {
    const auto rs = tx_.exec(kFind, {id});
    if (rs.size() == 0) return std::nullopt;
    return toRecord(rs[0]);
}

std::vector<SupportTicketRecord> SupportTicketRepository::recent(std::int64_t before, int limit) {
    return toRecords(tx_.exec(kRecent, {before, std::int64_t(limit)}));
}

std::vector<SupportTicketRecord> SupportTicketRepository::forCustomer(std::int64_t customer_id, int limit) {
    return toRecords(tx_.exec(kForCustomer, {customer_id, std::int64_t(limit)}));
}

}  // namespace rsolv::storage
