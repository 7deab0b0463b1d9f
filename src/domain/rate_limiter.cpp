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
    std::vector<storage::RateLimitRepository::Limit> checks;
    for (const auto& l : limits) checks.push_back({l.bucket, now - l.window, l.limit});
    // Locks, prunes, counts and (when every window has room) records the hit, in two round trips whatever the number.
    const auto windows = storage::RateLimitRepository(tx).admitAll(checks, now);
    RateDecision decision;
    for (size_t i = 0; i < limits.size() && i < windows.size(); ++i) {
        const auto& l = limits[i];
        const auto& w = windows[i];
        if (w.count >= l.limit) {
            const Duration wait = w.oldest ? (*w.oldest + l.window) - now : l.window;
            if (decision.allowed) decision.denied_bucket = l.bucket;
            decision.allowed = false;
            decision.retry_after = std::max(decision.retry_after, std::max(wait, Duration(std::chrono::seconds(1))));
        }
    }
    return decision;
}

}  // namespace rsolv::domain
