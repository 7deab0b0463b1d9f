#include "domain/api_key_cache.h"

namespace rsolv::domain {

std::optional<VerifiedKey> ApiKeyCache::find(const std::string& key_hash) const {
    const auto trust = listening_ ? options_.trust_listening : options_.trust_alone;
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key_hash);
    if (it == entries_.end() || now - it->second.loaded >= trust) return std::nullopt;
    return it->second.key;
}

void ApiKeyCache::put(const std::string& key_hash, VerifiedKey key, std::uint64_t generation_before_read) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    // Under the lock: clear() bumps the generation under it too, so an entry read before a clear never lands after it.
    if (generation_.load() != generation_before_read) return;
    if (entries_.size() >= options_.capacity && !entries_.count(key_hash)) entries_.erase(entries_.begin());
    entries_.insert_or_assign(key_hash, Entry{std::move(key), now});
}

void ApiKeyCache::noteUsed(const std::string& key_hash, Timestamp when) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key_hash);
    if (it != entries_.end()) it->second.key.last_used_at = when;
}

void ApiKeyCache::clear() {
    std::lock_guard lock(mutex_);
    ++generation_;
    entries_.clear();
}

size_t ApiKeyCache::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace rsolv::domain
