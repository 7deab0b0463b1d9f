#include "storage/admin_customer_repository.h"

#include <limits>

namespace rsolv::storage {
namespace {

// Every search query takes the filters first: $1 status ('' for any), $2 trial (0 any, 1 used up, 2 not), $3 and $4
// the signup window, $5 the keyset cursor (customers below this id), $6 the page size; then $7 the text, if any.
// The cursor is always bound (INT64_MAX for the first page) so that it bounds the index scan, never an OR.
#define RSOLV_CUSTOMER_COLUMNS \
    "c.id, c.email, c.name, c.company, c.status, c.trial_fixes_limit, c.trial_fixes_used, c.created_at "
#define RSOLV_CUSTOMER_FILTERS                                                                                   \
    "AND c.id < $5 AND ($1 = '' OR c.status = $1) "                                                             \
    "AND ($2 = 0 OR ($2 = 1 AND c.trial_fixes_used >= c.trial_fixes_limit) "                                    \
    "OR ($2 = 2 AND c.trial_fixes_used < c.trial_fixes_limit)) AND c.created_at >= $3 AND c.created_at < $4 "
#define RSOLV_CUSTOMER_FILTERS_SQLITE                                                                            \
    "AND c.id < ?5 AND (?1 = '' OR c.status = ?1) "                                                             \
    "AND (?2 = 0 OR (?2 = 1 AND c.trial_fixes_used >= c.trial_fixes_limit) "                                    \
    "OR (?2 = 2 AND c.trial_fixes_used < c.trial_fixes_limit)) AND c.created_at >= ?3 AND c.created_at < ?4 "

/// Newest first along the primary key.
constexpr Query kList{"SELECT " RSOLV_CUSTOMER_COLUMNS "FROM customers c WHERE TRUE " RSOLV_CUSTOMER_FILTERS
                      "ORDER BY c.id DESC LIMIT $6",
                      "SELECT " RSOLV_CUSTOMER_COLUMNS "FROM customers c WHERE 1 " RSOLV_CUSTOMER_FILTERS_SQLITE
                      "ORDER BY c.id DESC LIMIT ?6"};

/// PostgreSQL: $7 is an ILIKE pattern ('%text%', wildcards escaped) over the expression of the pg_trgm index
/// customers_search_trgm (fields joined by newlines, so no match spans two of them). SQLite: $7 is an FTS5 phrase
/// ("text", quotes doubled) over the trigram index customer_search, walked newest first so a page stops early.
/// On PostgreSQL the index gives every match before the sort ("c.id + 0": never the primary key, which pg_trgm's
/// guesses sent the planner along for rare substrings, 150-400 ms), so kContainingAmongNewest goes first.

constexpr Query kContaining{
    "SELECT " RSOLV_CUSTOMER_COLUMNS "FROM customers c "
    "WHERE (c.email || E'\\n' || c.name || E'\\n' || COALESCE(c.company, '')) ILIKE $7::text " RSOLV_CUSTOMER_FILTERS
    "ORDER BY c.id + 0 DESC LIMIT $6",
    "SELECT " RSOLV_CUSTOMER_COLUMNS "FROM customer_search CROSS JOIN customers c ON c.id = customer_search.rowid "
    "WHERE customer_search MATCH ?7 AND customer_search.rowid < ?5 " RSOLV_CUSTOMER_FILTERS_SQLITE
    "ORDER BY customer_search.rowid DESC LIMIT ?6"};

/// The id of the $8-th newest customer below the cursor (0 when there are fewer): "c.id >= it AND c.id < $5" is a
/// stretch of the primary key that the query walks newest first and leaves as soon as its page is full.
#define RSOLV_NEWEST_BOUND \
    "COALESCE((SELECT id FROM customers WHERE id < $5 ORDER BY id DESC LIMIT 1 OFFSET $8 - 1), 0)"
#define RSOLV_NEWEST_BOUND_SQLITE \
    "COALESCE((SELECT id FROM customers WHERE id < ?5 ORDER BY id DESC LIMIT 1 OFFSET ?8 - 1), 0)"

/// PostgreSQL only: the same test over the newest $8 customers below the cursor, along the primary key; a substring
/// many customers share fills its page here at once, and the index then only ever reads a rare one's matches.
constexpr Query kContainingAmongNewest{
    "SELECT " RSOLV_CUSTOMER_COLUMNS "FROM customers c WHERE c.id >= " RSOLV_NEWEST_BOUND " "
    "AND (c.email || E'\\n' || c.name || E'\\n' || COALESCE(c.company, '')) ILIKE $7::text " RSOLV_CUSTOMER_FILTERS
    "ORDER BY c.id DESC LIMIT $6"};
/// ILIKE over the newest 1,000 costs about 2 ms; a substring that does not fill a page there has about 5,000 matches
/// in 100,000 customers at most, which the index reads in a few ms.
constexpr int kNewestFirst = 1000;

/// Byte-order ranges [lower(text), lower(text) + U+10FFFF) over the lower(...) indexes: a prefix match that works
/// with prepared statements (a LIKE 'x%' parameter would not use an index) and in any database locale. It reads
/// every match before it sorts, so it is cheap only for a rare start; kStartingWithAmongNewest serves common ones.
/// "c.id + 0" keeps the planners from walking the primary key instead (PostgreSQL did, misjudging a rare start as
/// common: 590 ms at 100,000 customers).
#define RSOLV_STARTS_WITH                                                                                        \
    "((lower(c.email) COLLATE \"C\" >= lower($7::text) "                                                         \
    "AND lower(c.email) COLLATE \"C\" < lower($7::text) || chr(1114111)) "                                       \
    "OR (lower(c.name) COLLATE \"C\" >= lower($7::text) "                                                        \
    "AND lower(c.name) COLLATE \"C\" < lower($7::text) || chr(1114111)) "                                        \
    "OR (lower(c.company) COLLATE \"C\" >= lower($7::text) "                                                     \
    "AND lower(c.company) COLLATE \"C\" < lower($7::text) || chr(1114111))) "
#define RSOLV_STARTS_WITH_SQLITE                                                                                 \
    "((lower(c.email) >= lower(?7) AND lower(c.email) < lower(?7) || char(1114111)) "                           \
    "OR (lower(c.name) >= lower(?7) AND lower(c.name) < lower(?7) || char(1114111)) "                           \
    "OR (lower(c.company) >= lower(?7) AND lower(c.company) < lower(?7) || char(1114111))) "
constexpr Query kStartingWith{
    "SELECT " RSOLV_CUSTOMER_COLUMNS "FROM customers c WHERE " RSOLV_STARTS_WITH RSOLV_CUSTOMER_FILTERS
    "ORDER BY c.id + 0 DESC LIMIT $6",
    "SELECT " RSOLV_CUSTOMER_COLUMNS "FROM customers c WHERE " RSOLV_STARTS_WITH_SQLITE RSOLV_CUSTOMER_FILTERS_SQLITE
    "ORDER BY c.id + 0 DESC LIMIT ?6"};

/// The same test over only the newest $8 customers below the cursor, read along the primary key: a start shared by
/// many customers fills its page here at once.
constexpr Query kStartingWithAmongNewest{
    "SELECT " RSOLV_CUSTOMER_COLUMNS "FROM customers c WHERE c.id >= " RSOLV_NEWEST_BOUND " AND " RSOLV_STARTS_WITH
        RSOLV_CUSTOMER_FILTERS "ORDER BY c.id DESC LIMIT $6",
    "SELECT " RSOLV_CUSTOMER_COLUMNS "FROM customers c WHERE c.id >= " RSOLV_NEWEST_BOUND_SQLITE
    " AND " RSOLV_STARTS_WITH_SQLITE RSOLV_CUSTOMER_FILTERS_SQLITE "ORDER BY c.id DESC LIMIT ?6"};

#undef RSOLV_STARTS_WITH
#undef RSOLV_NEWEST_BOUND
#undef RSOLV_NEWEST_BOUND_SQLITE
#undef RSOLV_STARTS_WITH_SQLITE

/// The same range over api_keys_display_id, from the keys to their holders (never along the primary key).
constexpr Query kWithKeyStartingWith{
    "SELECT " RSOLV_CUSTOMER_COLUMNS "FROM customers c WHERE c.id IN (SELECT k.customer_id FROM api_keys k "
    "WHERE k.display_id COLLATE \"C\" >= $7::text AND k.display_id COLLATE \"C\" < $7::text || chr(1114111)) "
    RSOLV_CUSTOMER_FILTERS "ORDER BY c.id + 0 DESC LIMIT $6",
    "SELECT " RSOLV_CUSTOMER_COLUMNS "FROM customers c WHERE c.id IN (SELECT k.customer_id FROM api_keys k "
    "WHERE k.display_id >= ?7 AND k.display_id < ?7 || char(1114111)) " RSOLV_CUSTOMER_FILTERS_SQLITE
    "ORDER BY c.id + 0 DESC LIMIT ?6"};

/// PostgreSQL plans a prepared statement generically after five runs, without the pattern: a generic plan of
/// kContaining walks the whole primary key (400 ms at 100,000 customers instead of a few ms by the index).
constexpr Query kCustomPlans{"SET LOCAL plan_cache_mode = force_custom_plan"};

#undef RSOLV_CUSTOMER_COLUMNS
#undef RSOLV_CUSTOMER_FILTERS
#undef RSOLV_CUSTOMER_FILTERS_SQLITE

constexpr Query kRaiseLimit{
    "UPDATE customers SET trial_fixes_limit = trial_fixes_limit + $2, updated_at = $3 WHERE id = $1 "
    "RETURNING trial_fixes_limit"};
constexpr Query kResetUsage{"UPDATE customers SET trial_fixes_used = 0, updated_at = $2 WHERE id = $1"};
constexpr Query kEmails{
    "SELECT message_id, kind, sent_at FROM email_deliveries WHERE customer_id = $1 ORDER BY sent_at DESC LIMIT $2"};

/// '%text%' for ILIKE, with its wildcards and escape character taken literally.
std::string ilikePattern(const std::string& text) {
    std::string out = "%";
    for (char ch : text) {
        if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
        out += ch;
    }
    return out + "%";
}

/// An FTS5 phrase: the text in double quotes, each quote doubled; nothing inside is query syntax.
std::string ftsPhrase(const std::string& text) {
    std::string out = "\"";
    for (char ch : text) {
        if (ch == '"') out += '"';
        out += ch;
    }
    return out + "\"";
}

Params filterParams(const CustomerSearch& s) {
    const Timestamp from = s.signed_up_from ? *s.signed_up_from : Timestamp{};
    const Timestamp before =
        s.signed_up_before ? *s.signed_up_before : Timestamp{std::chrono::hours(24 * 365 * 1000)};
    const std::int64_t below = s.before_id > 0 ? s.before_id : std::numeric_limits<std::int64_t>::max();
    return {s.status, std::int64_t(s.trial), from, before, below, std::int64_t(s.limit)};
}

std::vector<CustomerSummary> summaries(const ResultSet& rs) {
    std::vector<CustomerSummary> out;
    for (size_t i = 0; i < rs.size(); ++i) {
        const auto r = rs[i];
        out.push_back({r.i64("id"), r.str("email"), r.str("name"), r.opt("company"), r.str("status"),
                       int(r.i64("trial_fixes_limit")), int(r.i64("trial_fixes_used")), r.time("created_at")});
    }
    return out;
}

}  // namespace

void AdminCustomerRepository::planEachSearch() {
    if (custom_plans_ || tx_.dialect() != Dialect::Postgres) return;
    tx_.exec(kCustomPlans);
    custom_plans_ = true;
}

std::vector<CustomerSummary> AdminCustomerRepository::list(const CustomerSearch& s) {
    return summaries(tx_.exec(kList, filterParams(s)));
}

std::vector<CustomerSummary> AdminCustomerRepository::containing(const std::string& text, const CustomerSearch& s) {
    planEachSearch();
    auto params = filterParams(s);
    if (tx_.dialect() == Dialect::Sqlite) {
        params.emplace_back(ftsPhrase(text));
        return summaries(tx_.exec(kContaining, params));
    }
    params.emplace_back(ilikePattern(text));
    auto newest = params;
    newest.emplace_back(std::int64_t(kNewestFirst));
    auto found = summaries(tx_.exec(kContainingAmongNewest, newest));
    if (int(found.size()) >= s.limit) return found;
    return summaries(tx_.exec(kContaining, params));
}

std::vector<CustomerSummary> AdminCustomerRepository::startingWith(const std::string& text, const CustomerSearch& s) {
    planEachSearch();
    auto params = filterParams(s);
    params.emplace_back(text);
    return summaries(tx_.exec(kStartingWith, params));
}

std::vector<CustomerSummary> AdminCustomerRepository::startingWithAmongNewest(const std::string& text,
                                                                              const CustomerSearch& s, int newest) {
    planEachSearch();
    auto params = filterParams(s);
    params.emplace_back(text);
    params.emplace_back(std::int64_t(newest));
    return summaries(tx_.exec(kStartingWithAmongNewest, params));
}

std::vector<CustomerSummary> AdminCustomerRepository::withKeyStartingWith(const std::string& prefix,
                                                                          const CustomerSearch& s) {
    planEachSearch();
    auto params = filterParams(s);
    params.emplace_back(prefix);
    return summaries(tx_.exec(kWithKeyStartingWith, params));
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
