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
    std::vector<Duration::rep> kept;
    const auto cutoff = (now - window).time_since_epoch().count();
    size_t pos = 0;
    while (pos < hits.size()) {
        size_t comma = hits.find(',', pos);
        if (comma == std::string_view::npos) comma = hits.size();
        Duration::rep t = 0;
        auto [p, ec] = std::from_chars(hits.data() + pos, hits.data() + comma, t);
        if (ec == std::errc() && p == hits.data() + comma && t > cutoff) kept.push_back(t);
        pos = comma + 1;
    }
    WindowDecision d;
    if (int(kept.size()) >= limit) {
        const Duration wait = Duration(kept[kept.size() - size_t(limit)] - cutoff);
        d.retry_after = std::max(wait, Duration(std::chrono::seconds(1)));
        return d;
    }
    kept.push_back(now.time_since_epoch().count());
    d.allowed = true;
    for (size_t i = 0; i < kept.size(); ++i) d.hits += (i ? "," : "") + std::to_string(kept[i]);
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
