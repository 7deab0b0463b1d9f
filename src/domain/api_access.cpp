#include "domain/api_access.h"

#include <charconv>
#include <vector>

#include "domain/api_key.h"
#include "domain/events.h"
#include "storage/api_key_repository.h"
#include "storage/customer_repository.h"
#include "storage/idempotency_repository.h"

namespace rsolv::domain {

WindowDecision slideWindow(std::string_view hits, int limit, Duration window, Timestamp now) {
    using std::chrono::seconds;
    const std::int64_t second = std::chrono::floor<seconds>(now).time_since_epoch().count();
    const std::int64_t span = std::chrono::ceil<seconds>(window).count();
    const std::int64_t first = second - span;  // counted whole: conservative at the window's start
    std::vector<std::pair<std::int64_t, std::int64_t>> buckets;  // ascending seconds
    std::int64_t total = 0;
    size_t pos = 0;
    while (pos < hits.size()) {
        size_t comma = hits.find(',', pos);
        if (comma == std::string_view::npos) comma = hits.size();
        const std::string_view entry = hits.substr(pos, comma - pos);
        const auto colon = entry.find(':');
        std::int64_t s = 0, c = 0;
        if (colon != std::string_view::npos &&
            std::from_chars(entry.data(), entry.data() + colon, s).ec == std::errc() &&
            std::from_chars(entry.data() + colon + 1, entry.data() + entry.size(), c).ec == std::errc() && s >= first &&
            s <= second && c > 0) {
            buckets.emplace_back(s, c);
            total += c;
        }
        pos = comma + 1;
    }
    WindowDecision d;
    if (total >= limit) {
        // The wait until enough of the oldest buckets have left the window for one more request.
        std::int64_t remaining = total;
        for (const auto& [s, c] : buckets) {
            remaining -= c;
            if (remaining < limit) {
                const Timestamp leaves = Timestamp(seconds(s + span + 1));
                d.retry_after = std::max<Duration>(leaves - now, seconds(1));
                break;
            }
        }
        return d;
    }
    if (!buckets.empty() && buckets.back().first == second)
        ++buckets.back().second;
    else
        buckets.emplace_back(second, 1);
    d.allowed = true;
    for (size_t i = 0; i < buckets.size(); ++i)
        d.hits += (i ? "," : "") + std::to_string(buckets[i].first) + ":" + std::to_string(buckets[i].second);
    return d;
}

ApiAccess authorizeApiRequest(storage::Transaction& tx, std::string_view key, const ApiPolicy& policy, Timestamp now) {
    ApiAccess access;
    storage::ApiKeyRepository keys(tx);
    const auto found = keys.findWithCustomer(hashApiKey(key));
    if (!found) return access;
    const auto& k = found->key;
    access.caller = {k.id, k.customer_id};
    if (k.revoked_at && *k.revoked_at <= now) {
        access.status = ApiAccess::Status::RevokedKey;
        return access;
    }
    if (k.expires_at && *k.expires_at <= now) {
        access.status = ApiAccess::Status::ExpiredKey;
        return access;
    }
    if (found->customer_status != "active") {
        access.status = ApiAccess::Status::SuspendedCustomer;
        return access;
    }

    storage::RequestWindowRepository windows(tx);
    const auto window =
        slideWindow(windows.lockHits(k.id), policy.requests_per_minute, std::chrono::minutes(1), now);
    if (!window.allowed) {
        access.status = ApiAccess::Status::RateLimited;
        access.retry_after = window.retry_after;
        return access;
    }
    windows.saveHits(k.id, window.hits);

    if (!k.last_used_at || *k.last_used_at < now - policy.last_used_interval) {
        keys.touchLastUsed(k.id, now, policy.last_used_interval);
        if (!k.last_used_at && storage::CustomerRepository(tx).markFirstApiCall(k.customer_id, now))
            recordEvent(tx, k.customer_id, "first_api_call", "succeeded", {{"key", k.display_id}}, now);
    }
    access.status = ApiAccess::Status::Granted;
    return access;
}

}  // namespace rsolv::domain
