#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
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

/// Authenticates a key (already checked for format and checksum, so malformed keys never reach the database), counts
/// the request against the key's window, and notes the customer's first API call, in the caller's write transaction.
/// last_used_at is written at most once per `last_used_interval`.
ApiAccess authorizeApiRequest(storage::Transaction& tx, std::string_view key, const ApiPolicy& policy, Timestamp now);

/// The sliding-window step on its own. `hits` counts accepted requests per second ("second:count,..."), so the row
/// holds at most window+1 entries whatever the limit. The bucket of the second that the window starts in is counted
/// whole: no span of `window` ever holds more than `limit` accepted requests; a request may be refused up to one
/// second early, never let through late.
struct WindowDecision {
    bool allowed = false;
    std::string hits;
    Duration retry_after{};
};
WindowDecision slideWindow(std::string_view hits, int limit, Duration window, Timestamp now);

}  // namespace rsolv::domain
