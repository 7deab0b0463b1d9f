#include "domain/accounts.h"

#include "common/crypto.h"
#include "domain/email_address.h"
#include "domain/events.h"
#include "domain/onboarding.h"
#include "jobs/job_queue.h"
#include "storage/api_key_repository.h"
#include "storage/session_repository.h"
#include "storage/sign_in_token_repository.h"

namespace rsolv::domain {

bool setCustomerStatus(storage::Transaction& tx, std::int64_t customer_id, const std::string& status, Timestamp now) {
    if (status != "active" && status != "suspended") throw std::invalid_argument("unknown customer status " + status);
    if (!storage::CustomerRepository(tx).setStatus(customer_id, status, now)) return false;
    int ended = 0;
    if (status == "suspended") ended = storage::SessionRepository(tx).removeAllFor(customer_id);
    recordEvent(tx, customer_id, status == "suspended" ? "customer_suspended" : "customer_reactivated", "succeeded",
                {{"sessions_ended", ended}}, now);
    return true;
}

Result<bool> updateProfile(storage::Transaction& tx, std::int64_t customer_id, std::string_view name,
                           std::string_view company, Timestamp now) {
    auto n = parseName(name, "name", true);
    if (!n.ok()) return n.error();
    auto c = parseName(company, "company", false);
    if (!c.ok()) return c.error();
    storage::CustomerRepository(tx).updateProfile(
        customer_id, n.value(), c.value().empty() ? std::nullopt : std::optional<std::string>(c.value()), now);
    recordEvent(tx, customer_id, "profile_updated", "succeeded", nlohmann::json::object(), now);
    return true;
}

void setOnboardingEmails(storage::Transaction& tx, std::int64_t customer_id, bool enabled, Timestamp now) {
    storage::CustomerRepository(tx).setOnboardingEmails(customer_id, enabled, now);
    recordEvent(tx, customer_id, "onboarding_emails", enabled ? "subscribed" : "unsubscribed", {{"via", "settings"}},
                now);
}

Result<std::string> requestEmailChange(storage::Transaction& tx, std::int64_t customer_id, std::string_view new_email,
                                       Timestamp now) {
    auto parsed = parseEmail(new_email);
    if (!parsed.ok()) {
        Error e = parsed.error();
        e.field = "new_email";
        return e;
    }
    const auto& address = parsed.value();
    storage::CustomerRepository customers(tx);
    const auto me = customers.findById(customer_id);
    if (!me) return Error{"not_found", "new_email", "Your account could not be found."};
    if (me->email_canonical == address.canonical)
        return Error{"unchanged", "new_email", "That is already your email address."};
    if (customers.findByCanonicalEmail(address.canonical))
        return Error{"email_taken", "new_email", "Another account uses that email address."};
    jobs::enqueue(tx,
                  {std::string(email_kind::kEmailChange),
                   {{"customer_id", customer_id}, {"new_email", address.as_typed},
                    {"instance", crypto::hex(crypto::randomBytes(8))}},
                   std::nullopt, now, 5},
                  now);
    recordEvent(tx, customer_id, "email_change", "requested", nlohmann::json::object(), now);
    return address.as_typed;
}

Result<EmailChanged> confirmEmailChange(storage::Transaction& tx, const std::string& token, Timestamp now) {
    const Error invalid{"invalid_link", "", "This confirmation link has expired or was already used."};
    if (token.size() < 40 || token.size() > 64) return invalid;
    const auto redeemed = storage::SignInTokenRepository(tx).redeemEmailChange(crypto::sha256Hex(token), now);
    if (!redeemed) return invalid;
    const auto parsed = parseEmail(redeemed->new_email);
    if (!parsed.ok()) return invalid;
    storage::CustomerRepository customers(tx);
    const auto me = customers.findById(redeemed->customer_id);
    if (!me || me->status != "active") return invalid;
    if (const auto other = customers.findByCanonicalEmail(parsed.value().canonical); other && other->id != me->id)
        return Error{"email_taken", "", "Another account has started using that address since you asked for it."};
    customers.changeEmail(me->id, parsed.value().as_typed, parsed.value().canonical, now);
    jobs::enqueue(tx,
                  {std::string(email_kind::kEmailChanged),
                   {{"customer_id", me->id}, {"old_email", me->email}, {"new_email", parsed.value().as_typed},
                    {"instance", crypto::hex(crypto::randomBytes(8))}},
                   std::nullopt, now, 5},
                  now);
    recordEvent(tx, me->id, "email_change", "succeeded", nlohmann::json::object(), now);
    return EmailChanged{me->id, me->email, parsed.value().as_typed};
}

SetupProgress setupProgress(storage::Transaction& tx, const storage::CustomerRecord& customer, Timestamp now) {
    SetupProgress p;
    p.has_key = storage::ApiKeyRepository(tx).countActive(customer.id, now) > 0;
    p.api_called = customer.first_api_call_at.has_value();
    p.fix_attempted = customer.first_fix_attempt_at.has_value();
    p.completed = customer.onboarding_completed_at.has_value();
    p.skipped = customer.onboarding_skipped_at.has_value();
    return p;
}

bool finishSetup(storage::Transaction& tx, std::int64_t customer_id, Timestamp now) {
    if (!storage::CustomerRepository(tx).completeOnboarding(customer_id, now)) return false;
    recordEvent(tx, customer_id, "onboarding_completed", "succeeded", nlohmann::json::object(), now);
    return true;
}

bool skipSetup(storage::Transaction& tx, std::int64_t customer_id, Timestamp now) {
    if (!storage::CustomerRepository(tx).skipOnboarding(customer_id, now)) return false;
    recordEvent(tx, customer_id, "onboarding_skipped", "succeeded", nlohmann::json::object(), now);
    return true;
}

}  // namespace rsolv::domain
