#include "domain/rate_limiter.h"

#include <algorithm>

#include "storage/rate_limit_repository.h"

namespace rsolv::domain {

RateDecision admit(storage::Transaction& tx, std::vector<RateLimit> limits, Timestamp now) {
    std::sort(limits.begin(), limits.end(), [](const auto& a, const auto& b) { return a.bucket < b.bucket; });
    for (const auto& l : limits) tx.lockKey("rate:" + l.bucket);

    storage::RateLimitRepository repo(tx);
    RateDecision decision;
    for (const auto& l : limits) {
        repo.prune(l.bucket, now - l.window);
        const auto w = repo.window(l.bucket, now - l.window);
        if (w.count >= l.limit) {
            const Duration wait = w.oldest ? (*w.oldest + l.window) - now : l.window;
            if (decision.allowed) decision.denied_bucket = l.bucket;
            decision.allowed = false;
            decision.retry_after = std::max(decision.retry_after, std::max(wait, Duration(std::chrono::seconds(1))));
        }
    }
    if (decision.allowed)
        for (const auto& l : limits) repo.hit(l.bucket, now);
    return decision;
}

}  // namespace rsolv::domain
