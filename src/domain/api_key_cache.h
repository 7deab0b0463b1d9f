#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/trusted_cache.h"

namespace rsolv::domain {

/// What authenticating a key needs to know, as read from the database.
struct VerifiedKey {
    std::int64_t key_id = 0;
    std::int64_t customer_id = 0;
    std::string display_id;
    std::optional<Timestamp> revoked_at;
    std::optional<Timestamp> expires_at;
    std::optional<Timestamp> last_used_at;  ///< as read, then as this process last asked it to be written
    std::string customer_status;
};

/// A bounded per-process cache of verified API keys, by SHA-256 of the key, so the usual authenticated request reads
/// nothing from the database to authenticate.
///
/// Invalidation: clear() drops every entry. The storage layer calls it after a commit that revoked, expired or deleted
/// a key or changed a customer's status (this process, at once); on PostgreSQL the listener of the other instances'
/// notifications calls it too (within milliseconds). Trust is bounded as well: an entry is used for at most
/// `trust_listening` while the listener is up, and at most `trust_alone` otherwise (listener down, or SQLite where the
/// admin CLI is another process). Expiry (a roll's grace) is checked against the clock on every request.
class ApiKeyCache {
public:
    struct Options {
        size_t capacity = 10000;
        Duration trust_listening = std::chrono::seconds(60);
        Duration trust_alone = std::chrono::seconds(1);
    };
    explicit ApiKeyCache(Options options) : options_(options), entries_(options.capacity) {}

    /// The entry, when there is one still trusted.
    std::optional<VerifiedKey> find(const std::string& key_hash) const;
    /// Read before loading from the database; pass it to put(): an entry read before an invalidation is not kept.
    std::uint64_t generation() const { return entries_.generation(); }
    void put(const std::string& key_hash, VerifiedKey key, std::uint64_t generation_before_read) {
        entries_.put(key_hash, std::move(key), generation_before_read);
    }
    /// Notes that last_used_at was asked to be written with `when`.
    void noteUsed(const std::string& key_hash, Timestamp when);
    void clear() { entries_.clear(); }
    /// Whether invalidations from other instances arrive (PostgreSQL listener up): sets how long entries are trusted.
    void setListening(bool listening) { listening_ = listening; }
    size_t size() const { return entries_.size(); }

private:
    Options options_;
    TrustedCache<std::string, VerifiedKey> entries_;
    std::atomic<bool> listening_{false};
};

}  // namespace rsolv::domain
