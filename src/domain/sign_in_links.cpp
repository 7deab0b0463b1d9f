#include "domain/sign_in_links.h"

#include "common/crypto.h"
#include "common/text.h"
#include "storage/event_times.h"
#include "storage/sign_in_token_repository.h"

namespace rsolv::domain {

std::string issueSignInToken(storage::Transaction& tx, std::int64_t customer_id, const std::string& email,
                             const std::string& purpose, Timestamp now, Duration ttl,
                             const std::optional<std::string>& new_email) {
    std::string token = crypto::randomToken(32);
    storage::SignInTokenRepository(tx).insert(crypto::sha256Hex(token), customer_id, purpose, email, now, now + ttl,
                                              new_email);
    return token;
}

std::optional<std::int64_t> redeemSignInToken(storage::Transaction& tx, const std::string& token, Timestamp now) {
    if (token.size() < 40 || token.size() > 64) return std::nullopt;
    return storage::SignInTokenRepository(tx).redeem(crypto::sha256Hex(token), now);
}

std::string unsubscribeToken(const std::string& key32, std::int64_t customer_id) {
    const std::string id = std::to_string(customer_id);
    return id + "." + crypto::mac(key32, "unsubscribe:" + id);
}

std::optional<std::int64_t> verifyUnsubscribeToken(const std::string& key32, const std::string& token) {
    const auto dot = token.find('.');
    if (dot == std::string::npos) return std::nullopt;
    const auto id = wholeNumber(std::string_view(token).substr(0, dot));
    if (!id || *id <= 0) return std::nullopt;
    if (!crypto::verifyMac(key32, "unsubscribe:" + token.substr(0, dot), token.substr(dot + 1))) return std::nullopt;
    return id;
}

std::int64_t requestedAtValue(Timestamp now) { return now.time_since_epoch().count(); }

void lockAccountLinks(storage::Transaction& tx, std::int64_t customer_id) {
    tx.lockKey("account-links:" + std::to_string(customer_id));
}

bool linkRequestVoided(storage::Transaction& tx, std::int64_t customer_id, std::optional<std::int64_t> requested_at) {
    lockAccountLinks(tx, customer_id);
    if (!requested_at) return false;
    const auto signed_out = storage::latestEventAt(tx, customer_id, "signed_out_everywhere");
    return signed_out && Timestamp(std::chrono::microseconds(*requested_at)) < *signed_out;
}

}  // namespace rsolv::domain
