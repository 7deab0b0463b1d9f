#include "domain/sessions.h"

#include "common/crypto.h"
#include "common/text.h"

namespace rsolv::domain {

std::string sessionIdHash(const std::string& token) { return crypto::sha256Hex(token); }

NewSession newSession(std::int64_t customer_id, const std::string& ip, const std::string& user_agent, Timestamp now,
                      const SessionPolicy& policy) {
    NewSession s;
    s.started.token = crypto::randomToken(32);
    s.started.id_hash = sessionIdHash(s.started.token);
    s.row = {s.started.id_hash, customer_id, now, now, now + policy.absolute_timeout, ip,
             sanitizeUtf8(user_agent, 300)};
    return s;
}

StartedSession startSession(storage::Transaction& tx, std::int64_t customer_id, const std::string& ip,
                            const std::string& user_agent, Timestamp now, const SessionPolicy& policy) {
    auto s = newSession(customer_id, ip, user_agent, now, policy);
    storage::SessionRepository(tx).insert(s.row);
    return s.started;
}

std::optional<storage::SessionRecord> resolveSession(storage::Transaction& tx, const std::string& token, Timestamp now,
                                                     const SessionPolicy& policy) {
    if (token.empty() || token.size() > 100) return std::nullopt;
    storage::SessionRepository repo(tx);
    const std::string hash = sessionIdHash(token);
    auto s = repo.find(hash);
    if (!s) return std::nullopt;
    if (now >= s->expires_at || now - s->last_seen_at >= policy.idle_timeout) {
        repo.remove(hash);
        return std::nullopt;
    }
    if (now - s->last_seen_at >= policy.touch_interval) {
        repo.touch(hash, now);
        s->last_seen_at = now;
    }
    return s;
}

void endSession(storage::Transaction& tx, const std::string& token) {
    storage::SessionRepository(tx).remove(sessionIdHash(token));
}

std::vector<storage::SessionRecord> liveSessions(storage::Transaction& tx, std::int64_t customer_id, Timestamp now,
                                                 const SessionPolicy& policy) {
    return storage::SessionRepository(tx).listLive(customer_id, now, now - policy.idle_timeout);
}

std::optional<SignedInCustomer> signedInCustomer(storage::Transaction& tx, const std::string& token, Timestamp now,
                                                 const SessionPolicy& policy) {
    auto session = resolveSession(tx, token, now, policy);
    if (!session) return std::nullopt;
    auto customer = storage::CustomerRepository(tx).findById(session->customer_id);
    if (!customer || customer->status != "active") {
        storage::SessionRepository(tx).remove(session->id_hash);
        return std::nullopt;
    }
    return SignedInCustomer{*session, *customer};
}

void putSecretFlash(storage::Transaction& tx, const std::string& flash_key, const std::string& session_hash,
                    const std::string& kind, const std::string& secret, Timestamp expires_at) {
    storage::FlashRepository(tx).put(session_hash, kind, crypto::seal(flash_key, secret), expires_at);
}

std::optional<std::string> takeSecretFlash(storage::Transaction& tx, const std::string& flash_key,
                                           const std::string& session_hash, const std::string& kind, Timestamp now) {
    auto sealed = storage::FlashRepository(tx).take(session_hash, kind, now);
    if (!sealed) return std::nullopt;
    return crypto::open(flash_key, *sealed);
}

}  // namespace rsolv::domain
