#include "storage/email_delivery_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kFind{"SELECT 1 AS found FROM email_deliveries WHERE message_id = $1"};
constexpr Query kInsert{
    "INSERT INTO email_deliveries (message_id, customer_id, kind, sent_at) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (message_id) DO NOTHING"};

}  // namespace

bool EmailDeliveryRepository::wasSent(const std::string& message_id) { return !tx_.exec(kFind, {message_id}).empty(); }

bool EmailDeliveryRepository::record(const std::string& message_id, std::optional<std::int64_t> customer_id,
                                     const std::string& kind, Timestamp sent_at) {
    return tx_.exec(kInsert, {message_id, customer_id ? Value(*customer_id) : Value(nullptr), kind, sent_at})
               .affected == 1;
}

}  // namespace rsolv::storage
