#include "domain/support_tickets.h"

#include "domain/events.h"
#include "storage/new_job.h"
#include "storage/support_ticket_repository.h"

namespace rsolv::domain {
namespace {

std::string_view trimmed(std::string_view s) {
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
}

enum class Scan { Ok, InvalidUtf8, Control };

/// Counts code points; refuses invalid UTF-8 and control characters (C0, DEL, C1), except line breaks and tabs
/// when `multiline`.
Scan scan(std::string_view s, bool multiline, std::size_t& code_points) {
    code_points = 0;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (len == 0 || i + len > s.size()) return Scan::InvalidUtf8;
        std::uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc >> 6) != 0x2) return Scan::InvalidUtf8;
            cp = (cp << 6) | (cc & 0x3F);
        }
        const bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
        if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return Scan::InvalidUtf8;
        const bool allowed_break = multiline && (cp == '\n' || cp == '\r' || cp == '\t');
        if ((cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) && !allowed_break) return Scan::Control;
        i += len;
        ++code_points;
    }
    return Scan::Ok;
}

std::optional<Error> checkField(std::string_view value, const char* field, bool multiline, std::size_t max) {
    std::size_t n = 0;
    switch (scan(value, multiline, n)) {
        case Scan::InvalidUtf8:
            return Error{"invalid_format", field, "This contains characters we could not read. Please type it again."};
        case Scan::Control:
            return Error{"forbidden_character", field,
                         multiline ? "This contains an invisible control character. Please remove it."
                                   : "This contains a line break or another invisible control character. Please "
                                     "remove it."};
        case Scan::Ok:
            break;
    }
    if (n == 0) return Error{"required", field, "Please fill in this field."};
    if (n > max)
        return Error{"too_long", field, "Please keep this to " + std::to_string(max) + " characters or fewer."};
    return std::nullopt;
}

}  // namespace

std::vector<Error> validateTicket(std::string_view subject, std::string_view message) {
    std::vector<Error> errors;
    if (auto e = checkField(trimmed(subject), "subject", false, kMaxTicketSubject)) errors.push_back(*e);
    if (auto e = checkField(trimmed(message), "message", true, kMaxTicketMessage)) errors.push_back(*e);
    return errors;
}

TicketOutcome openSupportTicket(storage::Transaction& tx, const RateLimiter& limiter, std::int64_t customer_id,
                                std::string_view subject, std::string_view message, Timestamp now,
                                const SupportPolicy& policy) {
    TicketOutcome out;
    out.errors = validateTicket(subject, message);
    if (!out.errors.empty()) return out;
    const auto decision = limiter.admit(
        tx, {{"support:customer:" + std::to_string(customer_id), policy.tickets_per_customer_per_hour,
              std::chrono::hours(1)}},
        now);
    if (!decision.allowed) {
        out.status = TicketOutcome::Status::RateLimited;
        out.retry_after = decision.retry_after;
        return out;
    }
    out.ticket_id = storage::SupportTicketRepository(tx).insert(customer_id, std::string(trimmed(subject)),
                                                                std::string(trimmed(message)), now);
    recordEvent(tx, customer_id, "support_ticket_opened", "succeeded", {{"ticket_id", out.ticket_id}}, now);
    storage::enqueue(tx,
                     {std::string(kSupportTicketJob), {{"ticket_id", out.ticket_id}},
                      "support_ticket:" + std::to_string(out.ticket_id), now},
                     now);
    out.status = TicketOutcome::Status::Opened;
    return out;
}

std::vector<storage::SupportTicketRecord> recentTickets(storage::Transaction& tx, std::int64_t before, int limit) {
    return storage::SupportTicketRepository(tx).recent(before, limit);
}

std::vector<storage::SupportTicketRecord> customerTickets(storage::Transaction& tx, std::int64_t customer_id,
                                                          int limit) {
    return storage::SupportTicketRepository(tx).forCustomer(customer_id, limit);
}

}  // namespace rsolv::domain
