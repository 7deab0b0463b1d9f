#include "domain/admin/overrides.h"

#include "common/crypto.h"
#include "domain/accounts.h"
#include "domain/email_address.h"
#include "domain/events.h"
#include "domain/key_management.h"
#include "domain/onboarding.h"
#include "storage/admin_customer_repository.h"
#include "storage/api_key_repository.h"
#include "storage/customer_repository.h"
#include "storage/erasure_repository.h"
#include "storage/new_job.h"
#include "storage/session_repository.h"
#include "storage/signup_repository.h"

namespace rsolv::domain::admin {
namespace {

Result<storage::CustomerRecord> customerOf(storage::Transaction& tx, std::int64_t customer_id) {
    auto c = storage::CustomerRepository(tx).findById(customer_id);
    if (!c) return Error{"not_found", "", "No customer has that id."};
    return *c;
}

nlohmann::json trialState(const storage::CustomerRecord& c) {
    return {{"trial_fixes_limit", c.trial_fixes_limit}, {"trial_fixes_used", c.trial_fixes_used}};
}

std::string target(std::int64_t id) { return std::to_string(id); }

/// The reason, checked, and the customer, found: what every override starts with.
struct Start {
    std::string reason;
    storage::CustomerRecord customer;
};
Result<Start> begin(storage::Transaction& tx, std::int64_t customer_id, std::string_view typed_reason) {
    auto reason = checkReason(typed_reason);
    if (!reason.ok()) return reason.error();
    auto c = customerOf(tx, customer_id);
    if (!c.ok()) return c.error();
    return Start{reason.value(), c.value()};
}

}  // namespace

Result<std::string> grantCredits(storage::Transaction& tx, std::int64_t customer_id, int credits, const Actor& actor,
                                 std::string_view reason, Timestamp now) {
    if (credits < 1 || credits > kMaxCreditGrant)
        return Error{"invalid_amount", "credits",
                     "Grant between 1 and " + std::to_string(kMaxCreditGrant) + " credits."};
    auto s = begin(tx, customer_id, reason);
    if (!s.ok()) return s.error();
    const auto limit = storage::AdminCustomerRepository(tx).raiseTrialLimit(customer_id, credits, now);
    auto after = trialState(s.value().customer);
    after["trial_fixes_limit"] = *limit;
    audit(tx, actor, s.value().reason,
          {"credits.grant", "customer", target(customer_id), customer_id, trialState(s.value().customer), after}, now);
    return "Granted " + std::to_string(credits) + " credits: the limit is now " + std::to_string(*limit) + ".";
}

Result<std::string> resetUsage(storage::Transaction& tx, std::int64_t customer_id, const Actor& actor,
                               std::string_view reason, Timestamp now) {
    auto s = begin(tx, customer_id, reason);
    if (!s.ok()) return s.error();
    storage::AdminCustomerRepository(tx).resetTrialUsage(customer_id, now);
    auto after = trialState(s.value().customer);
    after["trial_fixes_used"] = 0;
    audit(tx, actor, s.value().reason,
          {"credits.reset_usage", "customer", target(customer_id), customer_id, trialState(s.value().customer), after},
          now);
    return std::string("Trial usage reset to 0.");
}

Result<std::string> changeStatus(storage::Transaction& tx, std::int64_t customer_id, const std::string& status,
                                 const Actor& actor, std::string_view reason, Timestamp now) {
    if (status != "active" && status != "suspended") return Error{"invalid_status", "status", "Unknown status."};
    auto s = begin(tx, customer_id, reason);
    if (!s.ok()) return s.error();
    if (!setCustomerStatus(tx, customer_id, status, now))
        return Error{"unchanged", "", "The customer is already " + status + "."};
    audit(tx, actor, s.value().reason,
          {status == "suspended" ? "customer.suspend" : "customer.reactivate", "customer", target(customer_id),
           customer_id, {{"status", s.value().customer.status}}, {{"status", status}}},
          now);
    return status == "suspended" ? std::string("Suspended: sessions ended, keys stop working.")
                                 : std::string("Reactivated.");
}

Result<std::string> endAllSessions(storage::Transaction& tx, std::int64_t customer_id, const Actor& actor,
                                   std::string_view reason, Timestamp now) {
    auto s = begin(tx, customer_id, reason);
    if (!s.ok()) return s.error();
    const int ended = storage::SessionRepository(tx).removeAllFor(customer_id);
    audit(tx, actor, s.value().reason,
          {"sessions.end_all", "customer", target(customer_id), customer_id, {{"sessions", ended}}, {{"sessions", 0}}},
          now);
    return "Ended " + std::to_string(ended) + " session(s).";
}

Result<std::int64_t> keyIdByIdentifier(storage::Transaction& tx, std::int64_t customer_id,
                                       std::string_view display_id) {
    for (const auto& k : storage::ApiKeyRepository(tx).listForCustomer(customer_id))
        if (k.display_id == display_id) return k.id;
    return Error{"not_found", "key", "The customer has no key with that identifier."};
}

Result<std::string> revokeCustomerKey(storage::Transaction& tx, std::int64_t customer_id, std::int64_t key_id,
                                      const Actor& actor, std::string_view reason, Timestamp now) {
    auto s = begin(tx, customer_id, reason);
    if (!s.ok()) return s.error();
    const auto key = storage::ApiKeyRepository(tx).findForCustomer(customer_id, key_id);
    if (!key) return Error{"not_found", "key", "The customer has no such key."};
    const auto revoked = revokeKey(tx, customer_id, key_id, now);
    if (!revoked.ok()) return Error{"not_found", "key", "That key is already revoked or expired."};
    audit(tx, actor, s.value().reason,
          {"key.revoke", "api_key", target(key_id), customer_id, {{"key", key->display_id}, {"revoked", false}},
           {{"key", key->display_id}, {"revoked", true}}},
          now);
    return "Revoked the key " + key->display_id + ".";
}

Result<std::string> sendSignInLink(storage::Transaction& tx, std::int64_t customer_id, const Actor& actor,
                                   std::string_view reason, Timestamp now) {
    auto s = begin(tx, customer_id, reason);
    if (!s.ok()) return s.error();
    if (s.value().customer.status != "active")
        return Error{"suspended", "", "A suspended customer cannot sign in: reactivate it first."};
    storage::enqueue(tx,
                     {std::string(email_kind::kSignIn),
                      {{"email", s.value().customer.email_canonical},
                       {"return_to", "/dashboard"},
                       {"instance", crypto::hex(crypto::randomBytes(8))}},
                      std::nullopt, now, 3},
                     now);
    audit(tx, actor, s.value().reason,
          {"customer.send_sign_in_link", "customer", target(customer_id), customer_id, nlohmann::json::object(),
           {{"queued", "email.sign_in"}}},
          now);
    return std::string("A sign-in link is on its way to the customer.");
}

Result<std::string> resendWelcomeEmail(storage::Transaction& tx, std::int64_t customer_id, const Actor& actor,
                                       std::string_view reason, Timestamp now) {
    auto s = begin(tx, customer_id, reason);
    if (!s.ok()) return s.error();
    const std::string instance = crypto::hex(crypto::randomBytes(6));
    storage::enqueue(tx,
                     {std::string(email_kind::kWelcome), {{"customer_id", customer_id}, {"instance", instance}},
                      emailJobKey(email_kind::kWelcome, customer_id) + ":" + instance, now},
                     now);
    recordEvent(tx, customer_id, event::kWelcomeEmail, "queued", {{"by", "operator"}}, now);
    audit(tx, actor, s.value().reason,
          {"customer.resend_welcome", "customer", target(customer_id), customer_id, nlohmann::json::object(),
           {{"queued", "email.welcome"}}},
          now);
    return std::string("The welcome email is on its way again.");
}

Result<std::string> markEmailVerified(storage::Transaction& tx, std::int64_t customer_id, const Actor& actor,
                                      std::string_view reason, Timestamp now) {
    auto s = begin(tx, customer_id, reason);
    if (!s.ok()) return s.error();
    if (!storage::CustomerRepository(tx).markEmailVerified(customer_id, now))
        return Error{"unchanged", "", "The email address is verified already."};
    recordEvent(tx, customer_id, "email_verified", "succeeded", {{"by", "operator"}}, now);
    audit(tx, actor, s.value().reason,
          {"customer.verify_email", "customer", target(customer_id), customer_id, {{"email_verified", false}},
           {{"email_verified", true}}},
          now);
    return std::string("The email address is marked verified.");
}

Result<std::string> eraseCustomer(storage::Transaction& tx, std::int64_t customer_id, std::string_view typed_email,
                                  const Actor& actor, std::string_view reason, Timestamp now) {
    auto s = begin(tx, customer_id, reason);
    if (!s.ok()) return s.error();
    const auto& c = s.value().customer;
    const auto typed = parseEmail(typed_email);
    if (!typed.ok() || typed.value().canonical != c.email_canonical)
        return Error{"confirmation_mismatch", "confirm_email", "Type the customer's email address to confirm."};
    storage::ErasureRepository erase(tx);
    for (const auto& ip : erase.knownIps(customer_id)) {
        erase.deleteRateLimitHits("signup:ip:" + ip);
        erase.deleteRateLimitHits("signin:ip:" + ip);
    }
    erase.deleteRateLimitHits("signup:email:" + c.email_canonical);
    erase.deleteRateLimitHits("signin:email:" + crypto::sha256Hex(c.email_canonical));
    erase.scrubJobsMentioning(c.email_canonical, customer_id, now);
    if (c.email != c.email_canonical) erase.scrubJobsMentioning(c.email, customer_id, now);
    erase.deleteCredentials(customer_id);
    storage::SignupRepository(tx).eraseAddress(c.email_canonical);
    erase.anonymiseHistory(customer_id);
    erase.anonymiseCustomer(customer_id, "erased-" + std::to_string(customer_id) + "@erased.invalid", now);
    audit(tx, actor, s.value().reason,
          {"customer.erase", "customer", target(customer_id), customer_id, {{"erased", false}}, {{"erased", true}}},
          now);
    return std::string("The customer's personal data is erased.");
}

}  // namespace rsolv::domain::admin
