#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "storage/database.h"

namespace rsolv::domain {

/// At most `limit` actions per `window` in `bucket`, as an exact sliding window.
struct RateLimit {
    std::string bucket;
    int limit = 0;
    Duration window{};
};

struct RateDecision {
    bool allowed = true;
    std::string denied_bucket;  ///< the first bucket that said no
    Duration retry_after{};     ///< until the oldest counted action leaves the window
};

/// RSOLV_IPV6_LIMIT_PREFIX.
struct RateLimitPolicy {
    int ipv6_prefix = 64;
};

/// The one way every limit is counted. A bucket named `<scope>:ip:<address>` is a per-IP limit ("signup:ip:",
/// "signin:ip:", and any added later): the limiter counts it under the client's network (domain/client_network.h),
/// so an IPv6 client cannot take a fresh address of its /64 for every attempt. Callers pass the full address.
class RateLimiter {
public:
    explicit RateLimiter(RateLimitPolicy policy = {}) : policy_(policy) {}

    /// Counts one action against every limit, all or none, inside the caller's write transaction: the buckets are
    /// locked (in a fixed order, so two callers cannot deadlock), their windows counted, and a hit recorded in each
    /// only when every one has room. The count and the insert happen under the lock, so concurrent callers and other
    /// instances see exact limits (rules.md #1). `denied_bucket` is the bucket as counted (its network, for per-IP).
    RateDecision admit(storage::Transaction& tx, std::vector<RateLimit> limits, Timestamp now) const;

    /// The bucket as it is counted: "<scope>:ip:<address>" becomes "<scope>:ip:<clientNetwork(address)>".
    std::string bucketKey(std::string_view bucket) const;

private:
    RateLimitPolicy policy_;
};

}  // namespace rsolv::domain
