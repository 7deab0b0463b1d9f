#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/trusted_cache.h"
#include "storage/database.h"

namespace rsolv::domain {

/// What `GET /api/v1/account` shows of a customer: the plan and the trial's counters.
struct ApiAccount {
    std::int64_t customer_id = 0;
    std::string plan;
    int trial_fixes_limit = 0;
    int trial_fixes_used = 0;
    int trial_refunds_used = 0;
};

/// The answer's JSON; `trial_refunds` is the policy's number of refunds a customer may have (RSOLV_TRIAL_REFUNDS).
nlohmann::json toJson(const ApiAccount& account, int trial_refunds);

/// Accounts as the API shows them, served from a bounded per-process cache so the usual `GET /api/v1/account` reads
/// nothing from the database.
///
/// Invalidation: the storage layer calls clear() after a commit in this process that changed a plan, a trial limit or
/// a trial counter, or deleted a customer (storage::changesAccounts: a fix attempt, a refund, an operator's override),
/// so this process's own changes show at once. Changes made by another instance (or the admin CLI) show within
/// `trust`: accounts are not announced over LISTEN/NOTIFY, because every fix attempt changes one and a notification
/// per fix attempt would cost each instance a round trip and serialise commits.
class ApiAccounts {
public:
    struct Options {
        size_t capacity = 10000;
        std::chrono::steady_clock::duration trust = std::chrono::seconds(1);
    };
    ApiAccounts(storage::Database& db, Options options) : db_(db), options_(options), cache_(options.capacity) {}

    /// The customer's account: from memory when read less than `trust` ago, else one read. Nullopt when the customer
    /// no longer exists.
    std::optional<ApiAccount> find(std::int64_t customer_id) const;
    /// Forgets every account (a change committed).
    void clear() { cache_.clear(); }

private:
    std::optional<ApiAccount> read(std::int64_t customer_id) const;
    storage::Database& db_;
    const Options options_;
    mutable TrustedCache<std::int64_t, ApiAccount> cache_;
};

}  // namespace rsolv::domain
