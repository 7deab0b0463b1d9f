#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "domain/api_key_cache.h"
#include "storage/database.h"

namespace rsolv::domain {

struct ApiPolicy {
    int requests_per_minute = 60;  ///< per key, exact sliding window
    Duration last_used_interval = std::chrono::minutes(1);
    int trial_refunds = 3;  ///< RSOLV_TRIAL_REFUNDS: failed attempts that give their credit back, per customer
    /// RSOLV_UNVERIFIED_FIX_LIMIT: fix attempts an account may start before its address is proved.
    int unverified_fix_limit = 3;
};

struct ApiCaller {
    std::int64_t api_key_id = 0;
    std::int64_t customer_id = 0;
};

struct ApiAccess {
    enum class Status { Granted, UnknownKey, RevokedKey, ExpiredKey, SuspendedCustomer, RateLimited };
    Status status = Status::UnknownKey;
    ApiCaller caller;
    Duration retry_after{};  ///< RateLimited
};

class ApiUsage;

/// Authenticates API keys from memory. A key (already checked for format and checksum, so malformed keys never reach
/// the database) is looked up in the cache, and read from the database (one read, no write) only when it is not there.
/// The request is counted against the key's window in memory (ApiUsage); last_used_at (at most once per
/// `last_used_interval`) and the customer's first API call are written by ApiUsage::flush() in the background.
class ApiAuthenticator {
public:
    ApiAuthenticator(storage::Database& db, ApiKeyCache& cache, ApiUsage& usage, const ApiPolicy& policy)
        : db_(db), cache_(cache), usage_(usage), policy_(policy) {}
    ApiAccess authorize(std::string_view key, Timestamp now) const;

private:
    std::optional<VerifiedKey> verified(const std::string& key_hash) const;
    storage::Database& db_;
    ApiKeyCache& cache_;
    ApiUsage& usage_;
    const ApiPolicy& policy_;
};


}  // namespace rsolv::domain
