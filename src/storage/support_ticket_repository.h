#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

struct SupportTicketRecord {
    std::int64_t id = 0;
    std::int64_t customer_id = 0;
    std::string subject;
    std::string message;
    Timestamp created_at;
    std::string customer_email;  ///< joined from customers, for the console and the email
    std::string customer_name;
};

/// Support tickets opened from the dashboard's "Contact support" page (issue 13).
class SupportTicketRepository {
public:
    explicit SupportTicketRepository(Transaction& tx) : tx_(tx) {}
    std::int64_t insert(std::int64_t customer_id, const std::string& subject, const std::string& message,
                        Timestamp now);
    std::optional<SupportTicketRecord> find(std::int64_t id);
    /// Newest first, ids below `before` (keyset pagination).
    std::vector<SupportTicketRecord> recent(std::int64_t before, int limit);
    std::vector<SupportTicketRecord> forCustomer(std::int64_t customer_id, int limit);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
