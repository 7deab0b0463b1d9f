#include "storage/admin_customer_repository.h"

#include <cctype>

namespace rsolv::storage {
namespace {

// $1: a LIKE pattern in lower case ('' for none), $2: the same pattern as typed (key identifiers are case-sensitive).
constexpr Query kSearch{
    "SELECT c.id, c.email, c.name, c.company, c.status, c.trial_fixes_limit, c.trial_fixes_used, c.created_at "
    "FROM customers c WHERE ($1 = '' OR lower(c.email) LIKE $1 ESCAPE '\\' OR lower(c.name) LIKE $1 ESCAPE '\\' "
    "OR lower(COALESCE(c.company, '')) LIKE $1 ESCAPE '\\' "
    "OR EXISTS (SELECT 1 FROM api_keys k WHERE k.customer_id = c.id AND k.display_id LIKE $2 ESCAPE '\\')) "
    "AND ($3 = '' OR c.status = $3) "
    "AND ($4 = 0 OR ($4 = 1 AND c.trial_fixes_used >= c.trial_fixes_limit) "
    "OR ($4 = 2 AND c.trial_fixes_used < c.trial_fixes_limit)) "
    "AND c.created_at >= $5 AND c.created_at < $6 AND ($7 = 0 OR c.id < $7) ORDER BY c.id DESC LIMIT $8"};
constexpr Query kRaiseLimit{
    "UPDATE customers SET trial_fixes_limit = trial_fixes_limit + $2, updated_at = $3 WHERE id = $1 "
    "RETURNING trial_fixes_limit"};
constexpr Query kResetUsage{"UPDATE customers SET trial_fixes_used = 0, updated_at = $2 WHERE id = $1"};
constexpr Query kEmails{
    "SELECT message_id, kind, sent_at FROM email_deliveries WHERE customer_id = $1 ORDER BY sent_at DESC LIMIT $2"};

std::string likePattern(const std::string& q) {
    std::string out = "%";
    for (char ch : q) {
        if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
        out += ch;
    }
    return out + "%";
}

std::string lower(std::string s) {
    for (auto& ch : s) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

}  // namespace

std::vector<CustomerSummary> AdminCustomerRepository::search(const CustomerSearch& s) {
    const std::string pattern = s.query.empty() ? std::string() : likePattern(s.query);
    const Timestamp from = s.signed_up_from ? *s.signed_up_from : Timestamp{};
    const Timestamp before =
        s.signed_up_before ? *s.signed_up_before : Timestamp{std::chrono::hours(24 * 365 * 1000)};
    const auto rs = tx_.exec(kSearch, {lower(pattern), pattern, s.status, std::int64_t(s.trial), from, before,
                                       s.before_id, std::int64_t(s.limit)});
    std::vector<CustomerSummary> out;
    for (size_t i = 0; i < rs.size(); ++i) {
        const auto r = rs[i];
        out.push_back({r.i64("id"), r.str("email"), r.str("name"), r.opt("company"), r.str("status"),
                       int(r.i64("trial_fixes_limit")), int(r.i64("trial_fixes_used")), r.time("created_at")});
    }
    return out;
}

std::optional<int> AdminCustomerRepository::raiseTrialLimit(std::int64_t customer_id, int n, Timestamp now) {
    auto row = tx_.exec(kRaiseLimit, {customer_id, std::int64_t(n), now}).first();
    if (!row) return std::nullopt;
    return int(row->i64("trial_fixes_limit"));
}

void AdminCustomerRepository::resetTrialUsage(std::int64_t customer_id, Timestamp now) {
    tx_.exec(kResetUsage, {customer_id, now});
}

std::vector<EmailSent> AdminCustomerRepository::emailsOf(std::int64_t customer_id, int limit) {
    const auto rs = tx_.exec(kEmails, {customer_id, std::int64_t(limit)});
    std::vector<EmailSent> out;
    for (size_t i = 0; i < rs.size(); ++i)
        out.push_back({rs[i].str("message_id"), rs[i].str("kind"), rs[i].time("sent_at")});
    return out;
}

}  // namespace rsolv::storage
