#include "domain/accounts.h"

#include "common/crypto.h"
#include "domain/email_address.h"
#include "domain/email_verification.h"
#include "domain/events.h"
#include "domain/onboarding.h"
#include "domain/rate_limiter.h"
#include "domain/sign_in_links.h"
#include "storage/api_key_repository.h"
#include "storage/new_job.h"
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

bool setOnboardingEmails(storage::Transaction& tx, std::int64_t customer_id, bool enabled, Timestamp now,
                         const std::string& via) {
    storage::CustomerRepository customers(tx);
    const auto customer = customers.findById(customer_id);
    if (!customer) return false;
    if (customer->onboarding_emails == enabled && via != "settings") return true;
    customers.setOnboardingEmails(customer_id, enabled, now);
    recordEvent(tx, customer_id, "onboarding_emails", enabled ? "subscribed" : "unsubscribed", {{"via", via}}, now);
    return true;
}

EmailChangeRequest requestEmailChange(storage::Transaction& tx, std::int64_t customer_id, std::string_view new_email,
                                      const std::string& client_ip, Timestamp signed_in_at, Timestamp now,
                                      const DisposableDomains& disposable, const EmailChangePolicy& policy,
                                      const RateLimiter& limiter) {
    EmailChangeRequest out;
    if (signed_in_at < now - policy.recent_sign_in) {
        out.status = EmailChangeRequest::Status::SignInTooOld;
        return out;
    }
    auto parsed = parseEmail(new_email);
    if (!parsed.ok()) {
        Error e = parsed.error();
        e.field = "new_email";
        out.error = e;
        return out;
    }
    const auto& address = parsed.value();
    if (disposable.isDisposable(address.domain)) {
        out.error = Error{"disposable", "new_email",
                          "We can't use disposable email addresses, because we need to reach you about your fixes. "
                          "Please use an address you'll keep."};
        return out;
    }
    const auto me = storage::CustomerRepository(tx).findById(customer_id);
    if (!me) {
        out.error = Error{"not_found", "new_email", "Your account could not be found."};
        return out;
    }
    if (me->email_canonical == address.canonical) {
        out.error = Error{"unchanged", "new_email", "That is already your email address."};
        return out;
    }
    const auto decision =
        limiter.admit(tx,
              {{"email_change:customer:" + std::to_string(customer_id), policy.per_account_per_hour,
                std::chrono::hours(1)},
               {"email_change:ip:" + client_ip, policy.per_ip_per_hour, std::chrono::hours(1)}},
              now);
    if (!decision.allowed) {
        out.status = EmailChangeRequest::Status::RateLimited;
        out.retry_after = decision.retry_after;
        recordEvent(tx, customer_id, "email_change", "rate_limited", {{"ip", client_ip}}, now);
        return out;
    }
    // Whether another account uses the address is not told here (that would say who has an account): the
    // confirmation link goes out either way, and the confirmation step refuses a taken address.
    storage::enqueue(tx,
                     {std::string(email_kind::kEmailChange),
                      {{"customer_id", customer_id}, {"new_email", address.as_typed},
                       {"requested_at", requestedAtValue(now)}, {"instance", crypto::hex(crypto::randomBytes(8))}},
                      std::nullopt, now, 5},
                     now);
    recordEvent(tx, customer_id, "email_change", "requested", {{"ip", client_ip}}, now);
    out.status = EmailChangeRequest::Status::Sent;
    out.new_email = address.as_typed;
    return out;
}

Result<EmailChanged> confirmEmailChange(storage::Transaction& tx, const std::string& token,
                                        const std::string& keep_session_hash, Timestamp now, Timestamp idle_since) {
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
        return Error{"email_taken", "",
                     "Another RSOLV account already uses this address, so it cannot be moved to this one. Nothing "
                     "was changed. If that other account is yours, sign in with this address instead."};
    customers.changeEmail(me->id, parsed.value().as_typed, parsed.value().canonical, now);
    if (!proveEmail(tx, me->id, keep_session_hash, now, idle_since))
        storage::SessionRepository(tx).removeAllForExcept(me->id, keep_session_hash);
    storage::enqueue(tx,
                     {std::string(email_kind::kEmailChanged),
                      {{"customer_id", me->id}, {"old_email", me->email}, {"new_email", parsed.value().as_typed},
                       {"instance", crypto::hex(crypto::randomBytes(8))}},
                      std::nullopt, now, 5},
                     now);
    recordEvent(tx, me->id, "email_change", "succeeded", nlohmann::json::object(), now);
    return EmailChanged{me->id, me->email, parsed.value().as_typed};
}

std::optional<std::string> pendingEmailChange(storage::Transaction& tx, const std::string& token, Timestamp now) {
    if (token.size() < 40 || token.size() > 64) return std::nullopt;
    const auto pending = storage::SignInTokenRepository(tx).peek(crypto::sha256Hex(token), "email_change", now);
    if (!pending) return std::nullopt;
    return pending->new_email;
}

void signOutEverywhere(storage::Transaction& tx, std::int64_t customer_id, Timestamp now) {
    lockAccountLinks(tx, customer_id);  // a link being made now is either voided below or refused by its job
    const int ended = storage::SessionRepository(tx).removeAllFor(customer_id);
    const int links = storage::SignInTokenRepository(tx).voidAllFor(customer_id, now);
    recordEvent(tx, customer_id, "signed_out_everywhere", "succeeded", {{"sessions_ended", ended}, {"links_voided", links}},
                now);
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
