#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

/// A signed-in browser. Only the SHA-256 of the cookie's random id is stored.
struct SessionRecord {
    std::string id_hash;
    std::int64_t customer_id = 0;
    Timestamp created_at;
    Timestamp last_seen_at;
    Timestamp expires_at;  ///< the absolute timeout
    std::string ip;
    std::string user_agent;
};

class SessionRepository {
public:
    explicit SessionRepository(Transaction& tx) : tx_(tx) {}
    void insert(const SessionRecord& s);
    std::optional<SessionRecord> find(const std::string& id_hash);
    void touch(const std::string& id_hash, Timestamp now);
    void remove(const std::string& id_hash);
    /// The customer's sessions still alive at `now` (seen after `idle_since`), most recently seen first.
    std::vector<SessionRecord> listLive(std::int64_t customer_id, Timestamp now, Timestamp idle_since);
    /// Ends every session of the customer ("sign out everywhere", suspension); returns how many.
    int removeAllFor(std::int64_t customer_id);
    /// Ends every session of the customer but `keep_id_hash` (the browser that proved the address); returns how many.
    int removeAllForExcept(std::int64_t customer_id, const std::string& keep_id_hash);

private:
    Transaction& tx_;
};

/// A one-time secret for a session (the new API key), sealed under the server key and erased when read.
class FlashRepository {
public:
    explicit FlashRepository(Transaction& tx) : tx_(tx) {}
    void put(const std::string& session_hash, const std::string& kind, const std::string& sealed, Timestamp expires_at);
    /// Deletes and returns the flash if it has not expired.
    std::optional<std::string> take(const std::string& session_hash, const std::string& kind, Timestamp now);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
