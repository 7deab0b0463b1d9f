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

/// Counts one action against every limit, all or none, inside the caller's write transaction: the buckets are locked
/// (in a fixed order, so two callers cannot deadlock), their windows counted, and a hit recorded in each only when
/// every one has room. The count and the insert happen under the lock, so concurrent callers and other instances
/// see exact limits (rules.md #1).
RateDecision admit(storage::Transaction& tx, std::vector<RateLimit> limits, Timestamp now);

}  // namespace rsolv::domain
