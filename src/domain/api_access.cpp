#include "domain/api_access.h"

#include <charconv>
#include <vector>

#include "domain/api_key.h"
#include "domain/api_key_cache.h"
#include "domain/api_usage.h"
#include "storage/api_key_repository.h"

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

std::optional<VerifiedKey> ApiAuthenticator::verified(const std::string& key_hash) const {
    if (auto cached = cache_.find(key_hash)) return cached;
    const auto generation = cache_.generation();
    const auto found = storage::inTransaction(db_, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return storage::ApiKeyRepository(tx).findWithCustomer(key_hash);
    });
    if (!found) return std::nullopt;  // unknown keys are not cached: a key issued later is found at once
    const auto& k = found->key;
    VerifiedKey v{k.id,         k.customer_id,  k.display_id, k.revoked_at,
                  k.expires_at, k.last_used_at, found->customer_status};
    cache_.put(key_hash, v, generation);
    return v;
}

ApiAccess ApiAuthenticator::authorize(std::string_view key, Timestamp now) const {
    ApiAccess access;
    const std::string key_hash = hashApiKey(key);
    const auto k = verified(key_hash);
    if (!k) return access;
    access.caller = {k->key_id, k->customer_id};
    if (k->revoked_at && *k->revoked_at <= now) {
        access.status = ApiAccess::Status::RevokedKey;
        return access;
    }
    if (k->expires_at && *k->expires_at <= now) {
        access.status = ApiAccess::Status::ExpiredKey;
        return access;
    }
    if (k->customer_status != "active") {
        access.status = ApiAccess::Status::SuspendedCustomer;
        return access;
    }
    const auto window = usage_.admit(k->key_id, policy_.requests_per_minute, now);
    if (!window.allowed) {
        access.status = ApiAccess::Status::RateLimited;
        access.retry_after = window.retry_after;
        return access;
    }
    if (!k->last_used_at || *k->last_used_at < now - policy_.last_used_interval) {
        usage_.noteUse(k->key_id, k->customer_id, k->display_id, !k->last_used_at, now, policy_.last_used_interval);
        cache_.noteUsed(key_hash, now);
    }
    access.status = ApiAccess::Status::Granted;
    return access;
}

}  // namespace rsolv::domain
