#include "domain/rate_limiter.h"

#include <algorithm>

#include "domain/client_network.h"
#include "storage/rate_limit_repository.h"

namespace rsolv::domain {
namespace {

constexpr std::string_view kIpSegment = ":ip:";

}  // namespace

std::string RateLimiter::bucketKey(std::string_view bucket) const {
    const auto at = bucket.find(kIpSegment);
    if (at == std::string_view::npos || bucket.find(':') != at) return std::string(bucket);
    const auto address = bucket.substr(at + kIpSegment.size());
    return std::string(bucket.substr(0, at + kIpSegment.size())) + clientNetwork(address, policy_.ipv6_prefix);
}

RateDecision RateLimiter::admit(storage::Transaction& tx, std::vector<RateLimit> limits, Timestamp now) const {
    for (auto& l : limits) l.bucket = bucketKey(l.bucket);
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
