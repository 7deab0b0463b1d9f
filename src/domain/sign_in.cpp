#include "domain/sign_in.h"

#include "common/crypto.h"
#include "domain/email_address.h"
#include "domain/email_verification.h"
#include "domain/events.h"
#include "domain/onboarding.h"
#include "domain/rate_limiter.h"
#include "domain/sign_in_links.h"
#include "storage/customer_repository.h"
#include "storage/new_job.h"

namespace rsolv::domain {

SignInLinkRequest requestSignInLink(storage::Transaction& tx, std::string_view typed_email, const std::string& return_to,
                                    const std::string& client_ip, Timestamp now, const SignInPolicy& policy,
                                    const RateLimiter& limiter) {
    SignInLinkRequest out;
    const auto address = parseEmail(typed_email);
    const auto ip = limiter.admit(tx, {{"signin:ip:" + client_ip, policy.links_per_ip_per_hour, std::chrono::hours(1)}}, now);
    if (!ip.allowed) {
        out.ip_limited = true;
        out.retry_after = ip.retry_after;
        return out;
    }
    if (!address.ok()) {
        out.invalid = address.error();
        return out;
    }
    const auto email = limiter.admit(tx,
                             {{"signin:email:" + crypto::sha256Hex(address.value().canonical),
                               policy.links_per_email_per_hour, std::chrono::hours(1)}},
                             now);
    if (!email.allowed) return out;
    storage::enqueue(tx,
                     {std::string(email_kind::kSignIn),
                      {{"email", address.value().canonical},
                       {"return_to", safeReturnTo(return_to)},
                       {"requested_at", requestedAtValue(now)},
                       {"instance", crypto::hex(crypto::randomBytes(8))}},
                      std::nullopt, now, 3},
                     now);
    return out;
}

std::string safeReturnTo(std::string_view path) {
    const bool local = path.rfind("/dashboard", 0) == 0 &&
                       (path.size() == 10 || path[10] == '/' || path[10] == '?') && path.size() <= 200 &&
                       path.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_./?=&") == std::string_view::npos;
    return local ? std::string(path) : "/dashboard";
}

std::optional<LinkSignIn> signInWithLink(storage::Transaction& tx, const std::string& token,
                                             const std::string& previous_session_token, const std::string& ip,
                                             const std::string& user_agent, Timestamp now, const SessionPolicy& policy) {
    const auto customer_id = redeemSignInToken(tx, token, now);
    if (!customer_id) return std::nullopt;
    const auto customer = storage::CustomerRepository(tx).findById(*customer_id);
    if (!customer || customer->status != "active") return std::nullopt;
    if (!previous_session_token.empty()) endSession(tx, previous_session_token);
    const bool first_proof = proveEmail(tx, *customer_id, "", now, now - policy.idle_timeout);
    auto started = startSession(tx, *customer_id, ip, user_agent, now, policy);
    recordEvent(tx, *customer_id, event::kSessionStarted, "succeeded", {{"via", "email_link"}, {"ip", ip}}, now);
    return LinkSignIn{started, first_proof};
}

}  // namespace rsolv::domain
