#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "domain/rate_limiter.h"
#include "storage/database.h"
#include "storage/support_ticket_repository.h"

namespace rsolv::domain {

/// The job that emails a new ticket to the support address.
inline constexpr std::string_view kSupportTicketJob = "email.support_ticket";

/// How many tickets a customer may open in any rolling hour.
struct SupportPolicy {
    int tickets_per_customer_per_hour = 5;
};

inline constexpr std::size_t kMaxTicketSubject = 150;   ///< code points
inline constexpr std::size_t kMaxTicketMessage = 5000;  ///< code points

/// Checks a ticket's fields without the database: one error per field ("subject", "message"), each with a code
/// (required, too_long, forbidden_character, invalid_format) and a sentence for the customer.
std::vector<Error> validateTicket(std::string_view subject, std::string_view message);

struct TicketOutcome {
    enum class Status { Opened, Invalid, RateLimited };
    Status status = Status::Invalid;
    std::int64_t ticket_id = 0;  ///< Opened
    std::vector<Error> errors;   ///< Invalid
    Duration retry_after{};      ///< RateLimited
};

/// "Contact support": in the caller's one write transaction, counts the ticket against the customer's hourly limit,
/// stores it, records a `support_ticket_opened` event and enqueues the email to the support address, so the ticket
/// and its email exist together or not at all.
TicketOutcome openSupportTicket(storage::Transaction& tx, const RateLimiter& limiter, std::int64_t customer_id,
                                std::string_view subject, std::string_view message, Timestamp now,
                                const SupportPolicy& policy);

/// The console's views: the newest tickets (ids below `before`), and one customer's.
std::vector<storage::SupportTicketRecord> recentTickets(storage::Transaction& tx, std::int64_t before, int limit);
std::vector<storage::SupportTicketRecord> customerTickets(storage::Transaction& tx, std::int64_t customer_id,
                                                          int limit);

}  // namespace rsolv::domain
