#include "domain/provisioning.h"

#include <spdlog/spdlog.h>

#include "common/crypto.h"
#include "domain/api_key.h"
#include "domain/email_address.h"
#include "domain/event_batch.h"
#include "domain/events.h"
#include "domain/job_batch.h"
#include "domain/onboarding.h"
#include "domain/rate_limiter.h"
#include "storage/customer_repository.h"
#include "storage/new_account.h"
#include "storage/new_job.h"
#include "storage/signup_repository.h"

namespace rsolv::domain {
namespace {

constexpr std::string_view kStepRateLimit = "rate_limit";
constexpr std::string_view kStepDuplicate = "check_duplicate";
constexpr std::string_view kStepAdmit = "admit";
constexpr std::string_view kStepCustomer = "create_customer";
constexpr std::string_view kStepApiKey = "generate_api_key";
constexpr std::string_view kStepWelcome = "queue_welcome_email";
constexpr std::string_view kStepSession = "start_session";
constexpr std::string_view kStepComplete = "complete";

constexpr const char* kNewKeyFlash = "new_api_key";
constexpr int kAttempts = 3;

nlohmann::json fieldErrors(const std::vector<Error>& errors) {
    auto out = nlohmann::json::array();
    for (const auto& e : errors) out.push_back({{"field", e.field}, {"code", e.code}});
    return out;
}

}  // namespace

Provisioning::Provisioning(storage::Database& db, const Clock& clock, const DisposableDomains& disposable,
                           const RateLimiter& limiter, ProvisioningPolicy policy, std::string flash_key,
                           std::string payload_key)
    : db_(db),
      clock_(clock),
      disposable_(disposable),
      limiter_(limiter),
      policy_(policy),
      flash_key_(std::move(flash_key)),
      payload_key_(std::move(payload_key)),
      modes_(clock) {}

const std::vector<std::string_view>& Provisioning::steps() {
    static const std::vector<std::string_view> all = {kStepRateLimit, kStepDuplicate, kStepAdmit,   kStepCustomer,
                                                      kStepApiKey,    kStepSession,   kStepWelcome, kStepComplete};
    return all;
}

SignupOutcome Provisioning::rejectInvalid(const SignupRequest& request, std::vector<Error> errors) {
    const Timestamp now = clock_.now();
    storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
        recordEvent(tx, std::nullopt, event::kSignupRejected, "rejected",
                    {{"reason", "invalid"}, {"errors", fieldErrors(errors)}, {"ip", request.client_ip}}, now);
    });
    SignupOutcome out;
    out.status = SignupOutcome::Status::Invalid;
    out.errors = std::move(errors);
    return out;
}

SignupOutcome Provisioning::provision(const SignupRequest& request) {
    // Validate: pure, no database.
    std::vector<Error> errors;
    auto email = parseEmail(request.email);
    if (!email.ok())
        errors.push_back(email.error());
    else if (disposable_.isDisposable(email.value().domain))
        errors.push_back({"disposable", "email",
                          "We can't open accounts for disposable email addresses, because we need to reach you "
                          "about your fixes. Please use an address you'll keep — a private relay such as "
                          "Firefox Relay or Hide My Email is fine."});
    auto name = parseName(request.name, "name", true);
    if (!name.ok()) errors.push_back(name.error());
    auto company = parseName(request.company, "company", false);
    if (!company.ok()) errors.push_back(company.error());
    if (!errors.empty()) return rejectInvalid(request, std::move(errors));

    const EmailAddress& address = email.value();
    const Timestamp started = clock_.now();

    for (int attempt = 1;; ++attempt) {
        try {
            return storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
                const Timestamp now = clock_.now();
                SignupOutcome out;
                // Events and jobs are written together at the end of the one transaction (one round trip).
                EventBatch events;
                JobBatch jobs;
                const auto written = [&] {
                    writeBatches(tx, jobs, events, now);
                    return out;
                };
                out.email = address.as_typed;

                step(kStepRateLimit);
                const auto decision = request.by_operator ? RateDecision{} : limiter_.admit(
                    tx,
                    {{"signup:email:" + address.canonical, policy_.signups_per_email_per_day, std::chrono::hours(24)},
                     {"signup:ip:" + request.client_ip, policy_.signups_per_ip_per_hour, std::chrono::hours(1)}},
                    now);
                if (!decision.allowed) {
                    out.status = SignupOutcome::Status::RateLimited;
                    out.retry_after = decision.retry_after;
                    out.rate_limit_scope = decision.denied_bucket.rfind("signup:ip:", 0) == 0 ? "ip" : "email";
                    events.add(std::nullopt, event::kSignupRejected, "rejected",
                               {{"reason", "rate_limited"}, {"scope", out.rate_limit_scope}, {"ip", request.client_ip}},
                               now);
                    return written();
                }

                step(kStepDuplicate);
                storage::CustomerRepository customers(tx);
                if (auto existing = customers.findByCanonicalEmail(address.canonical)) {
                    out.status = SignupOutcome::Status::Duplicate;
                    out.customer_id = existing->id;
                    events.add(existing->id, event::kSignupDuplicate, "rejected", {{"ip", request.client_ip}}, now);
                    // An operator provisioning by hand is told instead of the owner.
                    if (request.by_operator) return written();
                    // The owner hears about it by email, with a sign-in link, at most once a day per address
                    // (issue 15): the limiter counts only the emails it lets through.
                    const auto notify = limiter_.admit(
                        tx, {{"already_registered:email:" + address.canonical, 1, std::chrono::hours(24)}}, now);
                    if (!notify.allowed) {
                        events.add(existing->id, "already_registered_email", "skipped",
                                   {{"reason", "sent_in_the_last_day"}}, now);
                        return written();
                    }
                    const std::string instance = crypto::hex(crypto::randomBytes(6));
                    jobs.add({std::string(email_kind::kAlreadyRegistered),
                              {{"customer_id", existing->id}, {"instance", instance}},
                              domain::emailJobKey(email_kind::kAlreadyRegistered, existing->id) + ":" + instance,
                              now});
                    events.add(existing->id, "already_registered_email", "queued", nlohmann::json::object(), now);
                    return written();
                }

                step(kStepAdmit);
                const Admission admission =
                    request.by_operator
                        ? Admission{true, "operator", std::nullopt}
                        : admit(tx, modes_.current(tx), address, request.invitation_token, now);
                if (!admission.admitted) {
                    joinWaitlist(tx, address, name.value(), company.value(), now);
                    events.add(std::nullopt, event::kSignupRejected, "rejected",
                               {{"reason", "waitlisted"}, {"ip", request.client_ip}}, now);
                    out.status = SignupOutcome::Status::Waitlisted;
                    return written();
                }

                // The customer, its key and its session are inserted together (one round trip on PostgreSQL).
                step(kStepCustomer);
                storage::NewAccount account;
                account.customer.email = address.as_typed;
                account.customer.email_canonical = address.canonical;
                account.customer.name = name.value();
                if (!company.value().empty()) account.customer.company = company.value();
                account.customer.trial_fixes_limit = policy_.trial_fixes;
                account.customer.auto_provisioned = true;
                step(kStepApiKey);
                const GeneratedApiKey key = generateApiKey();
                account.key = {key.hash, key.display_id, "Default key"};
                step(kStepSession);
                std::optional<StartedSession> session;
                if (request.start_session) {
                    auto started = newSession(0, request.client_ip, request.user_agent, now, policy_.session);
                    session = started.started;
                    account.session = std::move(started.row);
                    account.flash = {kNewKeyFlash, crypto::seal(flash_key_, key.secret), now + policy_.key_flash_ttl};
                }
                out.customer_id = storage::insertAccount(tx, account, now);
                nlohmann::json created = {
                    {"plan", "trial"}, {"trial_fixes_limit", policy_.trial_fixes}, {"ip", request.client_ip}};
                if (admission.via != "open") created["admitted_by"] = admission.via;
                events.add(out.customer_id, event::kCustomerCreated, "succeeded", created, now);
                if (admission.invitation_id)
                    storage::SignupRepository(tx).markUsed(*admission.invitation_id, out.customer_id, now);
                if (request.also_in_transaction) request.also_in_transaction(tx, out.customer_id, now);

                out.api_key = key.secret;
                out.api_key_display_id = key.display_id;
                events.add(out.customer_id, event::kApiKeyGenerated, "succeeded", {{"key", key.display_id}}, now);

                step(kStepWelcome);
                nlohmann::json welcome = {{"customer_id", out.customer_id}};
                if (policy_.welcome_email_includes_key) welcome["sealed_key"] = crypto::seal(payload_key_, key.secret);
                jobs.add(
                    {std::string(email_kind::kWelcome), welcome, emailJobKey(email_kind::kWelcome, out.customer_id), now});
                events.add(out.customer_id, event::kWelcomeEmail, "queued", {{"to", address.as_typed}}, now);
                for (const auto& f : followUps())
                    jobs.add({std::string(f.kind), {{"customer_id", out.customer_id}},
                              emailJobKey(f.kind, out.customer_id), now + f.delay});

                if (session) {
                    out.session_token = session->token;
                    events.add(out.customer_id, event::kSessionStarted, "succeeded", nlohmann::json::object(),
                               now);
                }

                step(kStepComplete);
                const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - started).count();
                events.add(out.customer_id, event::kProvisioningCompleted, "succeeded",
                           {{"duration_ms", ms}, {"attempt", attempt}}, now);
                out.status = SignupOutcome::Status::Provisioned;
                return written();
            });
        } catch (const storage::StorageError& e) {
            // A concurrent signup of the same canonical email won the unique index, or the database asked for a
            // retry: run the whole transaction again, which now sees the other customer as a duplicate.
            const bool retryable = e.kind() == storage::StorageError::Kind::UniqueViolation ||
                                   e.kind() == storage::StorageError::Kind::Conflict;
            if (retryable && attempt < kAttempts) continue;
            // With the database unreachable or the pool exhausted, a second write would only wait as long again.
            if (e.kind() != storage::StorageError::Kind::Unavailable) recordFailure(request, e.what());
            throw;
        } catch (const std::exception& e) {
            recordFailure(request, e.what());
            throw;
        }
    }
}

void Provisioning::recordFailure(const SignupRequest& request, const std::string& what) {
    // The signup's own transaction is gone; the failure is still worth a row for the admin alerting to see.
    try {
        storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
            recordEvent(tx, std::nullopt, event::kProvisioningFailed, "failed",
                        {{"error", what.substr(0, 300)}, {"ip", request.client_ip}}, clock_.now());
        });
    } catch (const std::exception& e) {
        spdlog::error("could not record a provisioning failure: {}", e.what());
    }
}

std::optional<std::string> Provisioning::takeNewKeyFlash(storage::Transaction& tx, const std::string& session_id_hash) {
    return takeSecretFlash(tx, flash_key_, session_id_hash, kNewKeyFlash, clock_.now());
}

}  // namespace rsolv::domain
