#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/telemetry.h"
#include "domain/disposable_domains.h"
#include "domain/rate_limiter.h"
#include "domain/sessions.h"
#include "domain/signup_mode.h"
#include "storage/database.h"

namespace rsolv::domain {

/// The knobs of self-service signup (RSOLV_TRIAL_FIXES, RSOLV_SIGNUPS_PER_*).
struct ProvisioningPolicy {
    int trial_fixes = 10;
    int signups_per_email_per_day = 3;
    int signups_per_ip_per_hour = 10;
    SessionPolicy session;
    Duration key_flash_ttl = std::chrono::minutes(15);
    /// RSOLV_WELCOME_EMAIL_INCLUDES_KEY: the welcome job carries the key sealed under the server key, erased once sent.
    bool welcome_email_includes_key = false;
};

struct SignupRequest {
    std::string email;
    std::string name;
    std::string company;
    std::string client_ip;
    std::string user_agent;
    /// Signs the browser in: a session row, and the new key sealed in a one-time flash for that session.
    bool start_session = true;
    /// When the request arrived; provisioning time is measured from here to the commit (now when absent).
    std::optional<std::chrono::steady_clock::time_point> received;
    /// Issue 12: the token of an invitation link, carried by the signup form (lets one signup in, once).
    std::string invitation_token;
    /// Provisioning by hand (an operator, the RFC's manual fallback): no signup mode and no rate limit apply.
    bool by_operator = false;
    /// Runs in the signup's transaction once the customer exists (the operator's audit row), so both or neither.
    std::function<void(storage::Transaction&, std::int64_t customer_id, Timestamp now)> also_in_transaction;
};

struct SignupOutcome {
    /// Waitlisted: signups are by invitation or closed and this one was not invited; the address joined the waitlist.
    enum class Status { Provisioned, Duplicate, Invalid, RateLimited, Waitlisted };
    Status status = Status::Invalid;
    std::vector<Error> errors;        ///< Invalid: one per field, disposable domains included
    Duration retry_after{};           ///< RateLimited
    std::string rate_limit_scope;     ///< RateLimited: "email" or "ip"
    std::int64_t customer_id = 0;     ///< Provisioned, Duplicate
    std::string email;                ///< as typed (trimmed)
    std::string api_key;              ///< Provisioned: the only time the secret exists outside the customer's hands
    std::string api_key_display_id;   ///< Provisioned
    std::string session_token;        ///< Provisioned with start_session
};

/// RFC-065's Provisioning.provision_from_signup: validate -> limit -> create customer -> generate key -> record the
/// welcome email -> sign in, with every row of a signup committed in one transaction or none at all.
class Provisioning {
public:
    /// `flash_key` seals the key shown once in the browser; `payload_key` seals it in the welcome job when the policy
    /// asks for the key in the email.
    Provisioning(storage::Database& db, const Clock& clock, const DisposableDomains& disposable,
                 const RateLimiter& limiter, ProvisioningPolicy policy, std::string flash_key, std::string payload_key);

    /// Runs the pipeline and tells the telemetry its outcome and, when provisioned, how long it took.
    SignupOutcome provisionFromSignup(const SignupRequest& request);

    void setTelemetry(Telemetry& telemetry) { telemetry_ = &telemetry; }

    /// Called with each step's name as the pipeline passes it, inside the transaction; a test throws from it to
    /// prove that a fault at any step leaves nothing behind.
    void setStepObserver(std::function<void(std::string_view)> observer) { observer_ = std::move(observer); }

    /// The disposable-domain list signup uses, for the other places an address is typed (email change).
    const DisposableDomains& disposable() const { return disposable_; }

    /// The signup mode as this instance sees it (cached for a couple of seconds; forget() after changing it here).
    SignupModeCache& signupModes() { return modes_; }

    /// The steps, in order, that the observer is told about.
    static const std::vector<std::string_view>& steps();

    /// Opens the sealed key of a session's one-time flash and erases it; nothing the second time.
    std::optional<std::string> takeNewKeyFlash(storage::Transaction& tx, const std::string& session_id_hash);

private:
    void step(std::string_view name) {
        if (observer_) observer_(name);
    }
    SignupOutcome provision(const SignupRequest& request);
    SignupOutcome rejectInvalid(const SignupRequest& request, std::vector<Error> errors);
    void recordFailure(const SignupRequest& request, const std::string& what);

    storage::Database& db_;
    const Clock& clock_;
    const DisposableDomains& disposable_;
    const RateLimiter& limiter_;
    ProvisioningPolicy policy_;
    std::string flash_key_;
    std::string payload_key_;
    std::function<void(std::string_view)> observer_;
    Telemetry* telemetry_ = &noTelemetry();
    SignupModeCache modes_;
};

/// The `outcome` label of rsolv_signups_total: provisioned, duplicate, invalid, disposable or rate_limited.
std::string_view signupOutcomeLabel(const SignupOutcome& outcome);

}  // namespace rsolv::domain
