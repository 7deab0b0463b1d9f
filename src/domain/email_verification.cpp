#include "domain/email_verification.h"

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/text.h"
#include "domain/accounts.h"
#include "domain/events.h"
#include "storage/customer_repository.h"
#include "storage/fix_attempt_repository.h"
#include "storage/session_repository.h"
#include "storage/sign_in_token_repository.h"
#include "storage/sql.h"
#include "storage/verification_review_repository.h"

namespace rsolv::domain {
namespace {

nlohmann::json sessionsToReview(storage::Transaction& tx, std::int64_t customer_id, const std::string& keep,
                                Timestamp now, Timestamp idle_since) {
    auto out = nlohmann::json::array();
    for (const auto& s : storage::SessionRepository(tx).listLive(customer_id, now, idle_since))
        if (s.id_hash != keep)
            out.push_back({{"created_at", storage::formatTimestamp(s.created_at)},
                           {"ip", s.ip},
                           {"user_agent", s.user_agent.substr(0, 300)}});
    return out;
}

std::vector<storage::ApiKeyRecord> liveKeysCreatedBy(storage::Transaction& tx, std::int64_t customer_id,
                                                     Timestamp created_by, Timestamp now) {
    std::vector<storage::ApiKeyRecord> out;
    for (auto& k : storage::ApiKeyRepository(tx).listForCustomer(customer_id))
        if (k.created_at <= created_by && keyState(k, now) != KeyState::Revoked &&
            keyState(k, now) != KeyState::Expired)
            out.push_back(std::move(k));
    return out;
}

}  // namespace

bool proveEmail(storage::Transaction& tx, std::int64_t customer_id, const std::string& keep_session_hash, Timestamp now,
                Timestamp idle_since) {
    if (!storage::CustomerRepository(tx).markEmailVerified(customer_id, now)) return false;
    const auto sessions = sessionsToReview(tx, customer_id, keep_session_hash, now, idle_since);
    const int ended = keep_session_hash.empty()
                          ? storage::SessionRepository(tx).removeAllFor(customer_id)
                          : storage::SessionRepository(tx).removeAllForExcept(customer_id, keep_session_hash);
    storage::VerificationReviewRepository(tx).insert(customer_id, now, sessions.dump());
    recordEvent(tx, customer_id, "email_verified", "succeeded", {{"sessions_ended", ended}}, now);
    return true;
}

std::optional<VerificationReview> pendingReview(storage::Transaction& tx, std::int64_t customer_id, Timestamp now) {
    const auto row = storage::VerificationReviewRepository(tx).find(customer_id);
    if (!row || row->answered_at) return std::nullopt;
    VerificationReview review;
    review.verified_at = row->verified_at;
    review.keys = liveKeysCreatedBy(tx, customer_id, row->verified_at, now);
    const auto sessions = nlohmann::json::parse(row->sessions_json, nullptr, false);
    if (sessions.is_array())
        for (const auto& s : sessions)
            review.sessions.push_back({s.value("created_at", ""), s.value("ip", ""), s.value("user_agent", "")});
    return review;
}

bool keepPreVerificationAccess(storage::Transaction& tx, std::int64_t customer_id, Timestamp now) {
    if (!storage::VerificationReviewRepository(tx).answer(customer_id, "kept", now)) return false;
    recordEvent(tx, customer_id, "pre_verification_access", "kept", nlohmann::json::object(), now);
    return true;
}

Result<IssuedKey> revokePreVerificationAccess(storage::Transaction& tx, std::int64_t customer_id,
                                              const std::string& keep_session_hash, Timestamp now,
                                              const KeyPolicy& policy) {
    storage::VerificationReviewRepository reviews(tx);
    const auto row = reviews.find(customer_id);
    if (!row || !reviews.answer(customer_id, "revoked", now))
        return Error{"not_found", "", "There is nothing left to review."};
    const int revoked = storage::ApiKeyRepository(tx).revokeAllCreatedBy(customer_id, row->verified_at, now);
    const int ended = storage::SessionRepository(tx).removeAllForExcept(customer_id, keep_session_hash);
    auto issued = createKey(tx, customer_id, "Default key", now, policy);
    if (!issued.ok()) return issued.error();
    recordEvent(tx, customer_id, "pre_verification_access", "revoked",
                {{"keys_revoked", revoked}, {"sessions_ended", ended}, {"new_key", issued.value().display_id}}, now);
    return issued;
}

namespace {

/// A positive decimal number of at most 19 digits, all of `text`.
std::optional<std::int64_t> positiveNumber(std::string_view text) {
    const auto n = wholeNumber(text);
    return n && *n > 0 ? n : std::nullopt;
}

}  // namespace

std::string disownToken(const std::string& key32, std::int64_t customer_id, Timestamp sent_at) {
    const std::string signed_part = std::to_string(customer_id) + "." + std::to_string(unixSeconds(sent_at));
    return signed_part + "." + crypto::mac(key32, "not-me:" + signed_part);
}

std::optional<DisownLink> verifyDisownToken(const std::string& key32, const std::string& token) {
    const auto mac_dot = token.rfind('.');
    if (mac_dot == std::string::npos) return std::nullopt;
    const std::string signed_part = token.substr(0, mac_dot);
    const auto id_dot = signed_part.find('.');
    const auto id = positiveNumber(std::string_view(signed_part).substr(0, id_dot));
    if (!id) return std::nullopt;
    DisownLink link{*id, std::nullopt};
    if (id_dot != std::string::npos) {
        const auto sent = positiveNumber(std::string_view(signed_part).substr(id_dot + 1));
        if (!sent) return std::nullopt;
        link.sent_at = Timestamp(std::chrono::seconds(*sent));
    }
    if (!crypto::verifyMac(key32, "not-me:" + signed_part, token.substr(mac_dot + 1))) return std::nullopt;
    return link;
}

bool disownLinkLive(storage::Transaction& tx, const DisownLink& link, Timestamp now) {
    std::optional<Timestamp> sent = link.sent_at;
    if (!sent) {
        const auto customer = storage::CustomerRepository(tx).findById(link.customer_id);
        if (!customer) return false;
        sent = customer->created_at;
    }
    return now < *sent + kDisownLinkLifetime;
}

bool disownAccount(storage::Transaction& tx, std::int64_t customer_id, const std::string& ip, Timestamp now) {
    if (!setCustomerStatus(tx, customer_id, "suspended", now)) return false;
    const int revoked = storage::ApiKeyRepository(tx).revokeAllCreatedBy(customer_id, now, now);
    const int links = storage::SignInTokenRepository(tx).voidAllFor(customer_id, now);
    recordEvent(tx, customer_id, "account_disowned", "succeeded",
                {{"reason", "the owner of the address says they did not sign up"},
                 {"keys_revoked", revoked},
                 {"links_voided", links},
                 {"ip", ip}},
                now);
    return true;
}

std::optional<Error> checkUnverifiedFixLimit(storage::Transaction& tx, std::int64_t customer_id, int limit) {
    tx.lockKey("fix-attempts:" + std::to_string(customer_id));
    const auto customer = storage::CustomerRepository(tx).findById(customer_id);
    if (!customer || customer->email_verified_at) return std::nullopt;
    if (storage::FixAttemptRepository(tx).countForCustomer(customer_id) < limit) return std::nullopt;
    return Error{"email_unverified", "",
                 "Your email address is not confirmed yet, so your trial is limited to " + std::to_string(limit) +
                     " fixes. To unlock the rest, open the sign-in link in your welcome email (or ask for a new one "
                     "at /login on the RSOLV dashboard)."};
}

}  // namespace rsolv::domain
