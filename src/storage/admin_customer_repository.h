#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

/// A customer as the console's list shows it.
struct CustomerSummary {
    std::int64_t id = 0;
    std::string email;
    std::string name;
    std::optional<std::string> company;
    std::string status;
    int trial_fixes_limit = 0;
    int trial_fixes_used = 0;
    Timestamp created_at;
};

/// The console's customer search; empty or zero fields do not filter. What `query` matches is decided in
/// domain/admin/customers.cpp (README "Operating RSOLV": searching customers).
struct CustomerSearch {
    std::string query;  ///< part of the email, name or company (any case), or the start of a key identifier
    std::string status;  ///< "active", "suspended"
    int trial = 0;       ///< 1: used up, 2: not used up
    std::optional<Timestamp> signed_up_from;
    std::optional<Timestamp> signed_up_before;
    std::int64_t before_id = 0;  ///< keyset pagination: customers with a smaller id (newest first)
    int limit = 50;
};

struct EmailSent {
    std::string message_id;
    std::string kind;
    Timestamp sent_at;
};

/// SQL the console runs over customers beyond what the customer-facing repositories need.
class AdminCustomerRepository {
public:
    explicit AdminCustomerRepository(Transaction& tx) : tx_(tx) {}
    /// Each of these returns at most `s.limit` customers passing the filters of `s` (its `query` is not read),
    /// newest first, below `s.before_id` when set.
    /// Every customer.
    std::vector<CustomerSummary> list(const CustomerSearch& s);
    /// Whose email, name or company contains `text` (3 characters or more; any case): the search index
    /// (SQLite FTS5 trigram, PostgreSQL pg_trgm).
    std::vector<CustomerSummary> containing(const std::string& text, const CustomerSearch& s);
    /// Whose email, name or company starts with `text` (any case; ASCII case on SQLite). Reads every match: cheap
    /// when few customers match.
    std::vector<CustomerSummary> startingWith(const std::string& text, const CustomerSearch& s);
    /// The same among the `newest` customers below the cursor only: cheap when many match.
    std::vector<CustomerSummary> startingWithAmongNewest(const std::string& text, const CustomerSearch& s, int newest);
    /// Who hold a key whose identifier starts with `prefix` (exact case).
    std::vector<CustomerSummary> withKeyStartingWith(const std::string& prefix, const CustomerSearch& s);
    /// Raises the trial limit by `n`; the new limit, or nothing when the customer does not exist.
    std::optional<int> raiseTrialLimit(std::int64_t customer_id, int n, Timestamp now);
    void resetTrialUsage(std::int64_t customer_id, Timestamp now);
    std::vector<EmailSent> emailsOf(std::int64_t customer_id, int limit);

private:
    /// PostgreSQL: plans each search with its own text (SET LOCAL, once per transaction).
    void planEachSearch();
    Transaction& tx_;
    bool custom_plans_ = false;
};

}  // namespace rsolv::storage
