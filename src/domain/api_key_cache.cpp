#include "domain/api_key_cache.h"

namespace rsolv::domain {

std::optional<VerifiedKey> ApiKeyCache::find(const std::string& key_hash) const {
    return entries_.find(key_hash, listening_ ? options_.trust_listening : options_.trust_alone);
}

void ApiKeyCache::noteUsed(const std::string& key_hash, Timestamp when) {
    entries_.update(key_hash, [&](VerifiedKey& key) { key.last_used_at = when; });
}

}  // namespace rsolv::domain
