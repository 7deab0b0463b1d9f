#include "jobs/email_jobs.h"
#include "jobs/support_ticket_jobs.h"
#include "domain/support_tickets.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/text.h"
#include "domain/email_address.h"
#include "domain/email_verification.h"
#include "domain/events.h"
#include "domain/onboarding.h"
#include "domain/sign_in_links.h"
#include "storage/api_key_repository.h"
#include "storage/customer_repository.h"
#include "storage/email_delivery_repository.h"

namespace rsolv::jobs {
namespace {

namespace kind = domain::email_kind;

/// What the database says about the recipient when the job runs.
struct Recipient {
    storage::CustomerRecord customer;
    std::string skip_reason;  ///< non-empty: send nothing
    std::string link;  ///< the email's one-time link (sign-in or confirmation), if it has one
    std::string to_address;  ///< as typed; the customer's own unless the email goes to a new or old address
    std::string key_display_id;
    bool any_key_used = false;
};

/// Where an email sends its reader, and for how long the link works.
struct LinkSpec {
    std::string purpose;  ///< sign_in_tokens.purpose; empty: no link
    std::string path;     ///< appended to the public URL before the token
    std::string suffix;   ///< after the token (a return_to)
    Duration ttl{};
};

/// When the link of a sign-in or email-change email was asked for; nothing for other emails and older jobs.
std::optional<std::int64_t> requestedAt(const nlohmann::json& payload) {
    const auto it = payload.find("requested_at");
    if (it == payload.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<std::int64_t>();
}

LinkSpec linkFor(std::string_view k, const nlohmann::json& payload, const EmailJobSettings& s) {
    if (k == kind::kEmailChanged) return {};
    if (k == kind::kEmailChange) return {"email_change", "/settings/email/confirm/", "", std::chrono::hours(24)};
    if (k == kind::kSignIn)
        return {"login", "/signin/", "?return_to=" + urlEncode(payload.value("return_to", "/dashboard")),
                s.login_link_ttl};
    if (k == kind::kWelcome) return {"email", "/signin/", "?return_to=%2Fdashboard%2Fsetup", s.sign_in_link_ttl};
    return {"email", "/signin/", "", s.sign_in_link_ttl};
}

std::string subjectFor(std::string_view k, domain::OnboardingState state, const std::string& name) {
    if (k == kind::kWelcome) return "Welcome to RSOLV, " + name + ": your trial has started";
    if (k == kind::kAlreadyRegistered) return "You already have an RSOLV account";
    if (k == kind::kSignIn) return "Your RSOLV sign-in link";
    if (k == kind::kEmailChange) return "Confirm your new RSOLV email address";
    if (k == kind::kEmailChanged) return "Your RSOLV email address was changed";
    switch (state) {
        case domain::OnboardingState::NoApiCallYet: return "Add RSOLV to your repository in two minutes";
        case domain::OnboardingState::FixesRunning: return "How your RSOLV trial is going";
        case domain::OnboardingState::TrialUsedUp: return "You've used your free RSOLV fixes: what's next";
    }
    return "RSOLV";
}

std::string templateFor(std::string_view k) {
    if (k == kind::kWelcome) return "welcome";
    if (k == kind::kAlreadyRegistered) return "already_registered";
    if (k == kind::kSignIn) return "sign_in";
    if (k == kind::kEmailChange) return "email_change";
    if (k == kind::kEmailChanged) return "email_changed";
    return "onboarding";
}

}  // namespace

std::string emailEventType(std::string_view k) {
    const auto dot = k.find('.');
    return std::string(dot == std::string_view::npos ? k : k.substr(dot + 1)) + "_email";
}

EmailJobHandler::EmailJobHandler(storage::Database& db, const Clock& clock, mail::Mailer& mailer,
                                 EmailJobSettings settings, MonotonicClock& ticks)
    : db_(db),
      clock_(clock),
      mailer_(mailer),
      settings_(std::move(settings)),
      templates_("templates/email/"),
      ticks_(ticks) {}

void EmailJobHandler::shutdown() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    stop_cv_.notify_all();
}

void EmailJobHandler::recordDelivery(const Job& job, const std::string& message_id, std::int64_t customer_id,
                                     const std::string& content) {
    const std::string event_type = emailEventType(job.kind);
    Duration delay = settings_.record_retry_first;
    for (int attempt = 1;; ++attempt) {
        try {
            const bool first = storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
                const Timestamp now = clock_.now();
                const bool first = storage::EmailDeliveryRepository(tx).record(message_id, customer_id, job.kind, now);
                nlohmann::json details = {{"message_id", message_id}, {"attempt", job.attempts}, {"content", content}};
                if (attempt > 1) details["record_attempts"] = attempt;
                domain::recordEvent(tx, customer_id, event_type, first ? "sent" : "duplicate", details, now);
                return first;
            });
            if (!first) {
                counters_.duplicates.fetch_add(1);
                spdlog::warn("email {} was sent twice: another run recorded it first (job {})", message_id, job.id);
            }
            return;
        } catch (const std::exception& e) {
            counters_.record_retries.fetch_add(1);
            spdlog::warn("email {} was accepted but recording it failed (try {}): {}; retrying in {} ms", message_id,
                         attempt, e.what(), std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
        }
        std::unique_lock lock(mutex_);
        if (ticks_.waitFor(stop_cv_, lock, delay, [&] { return stopping_; })) {
            counters_.duplicates.fetch_add(1);
            spdlog::error("email {} was accepted but never recorded (shutting down): job {} will send it again",
                          message_id, job.id);
            throw std::runtime_error("delivery of " + message_id + " could not be recorded");
        }
        delay = std::min(delay * 2, settings_.record_retry_cap);
    }
}

JobOutcome EmailJobHandler::run(const Job& job, JobLease& lease) {
    if (job.kind == domain::kSupportTicketJob)  // to the support address, not to a customer (issue 13)
        return runSupportTicketEmail(db_, clock_, mailer_,
                                     {settings_.support_email, settings_.public_url, settings_.host,
                                      settings_.telemetry},
                                     job, lease);
    const auto payload = nlohmann::json::parse(job.payload);
    const std::string instance = payload.value("instance", "");
    const std::string event_type = emailEventType(job.kind);
    const LinkSpec link = linkFor(job.kind, payload, settings_);
    const bool onboarding = domain::isOnboardingEmail(job.kind);
    // A finished job keeps no secret and no address typed at /login (which may belong to no customer at all).
    nlohmann::json cleaned = payload;
    cleaned.erase("sealed_key");
    if (job.kind == kind::kSignIn) cleaned.erase("email");

    std::string message_id;
    const Recipient who = storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
        const Timestamp now = clock_.now();
        Recipient r;
        storage::CustomerRepository customers(tx);
        // A sign-in link is asked for by address: whether it has an account is only looked at here.
        auto customer = payload.contains("customer_id")
                            ? customers.findById(payload.at("customer_id").get<std::int64_t>())
                            : customers.findByCanonicalEmail(payload.value("email", ""));
        if (!customer) {
            r.skip_reason = payload.contains("customer_id") ? "customer_deleted" : "no_account";
            return r;
        }
        r.customer = *customer;
        message_id = domain::emailMessageId(job.kind, customer->id, instance, settings_.host);
        r.to_address = job.kind == kind::kEmailChange    ? payload.value("new_email", "")
                       : job.kind == kind::kEmailChanged ? payload.value("old_email", "")
                                                         : customer->email;
        if (storage::EmailDeliveryRepository(tx).wasSent(message_id))
            r.skip_reason = "already_sent";
        else if (customer->status != "active")
            r.skip_reason = "customer_suspended";
        else if (customer->email_undeliverable_at && job.kind != kind::kEmailChange)
            r.skip_reason = "address_undeliverable";
        else if (onboarding && !customer->onboarding_emails)
            r.skip_reason = "unsubscribed";
        else if (!link.purpose.empty() && domain::linkRequestVoided(tx, customer->id, requestedAt(payload)))
            r.skip_reason = "signed_out_everywhere";
        if (!r.skip_reason.empty()) {
            if (r.skip_reason != "already_sent")
                domain::recordEvent(tx, customer->id, event_type, "skipped", {{"reason", r.skip_reason}}, now);
            return r;
        }
        for (const auto& k : storage::ApiKeyRepository(tx).listForCustomer(customer->id)) {
            if (k.last_used_at) r.any_key_used = true;
            if (!k.revoked_at && r.key_display_id.empty()) r.key_display_id = k.display_id;
        }
        if (!link.purpose.empty()) {
            const std::optional<std::string> new_email =
                job.kind == kind::kEmailChange ? std::optional<std::string>(r.to_address) : std::nullopt;
            r.link = settings_.public_url + link.path +
                     domain::issueSignInToken(tx, customer->id, customer->email, link.purpose, now, link.ttl,
                                              new_email) +
                     link.suffix;
        }
        return r;
    });
    if (!who.skip_reason.empty()) return JobOutcome::done(cleaned.dump());

    const auto& c = who.customer;
    const std::int64_t customer_id = c.id;
    const auto state = domain::onboardingState(who.any_key_used, c.trial_fixes_used, c.trial_fixes_limit);
    TemplateData data;
    data.set("name", c.name);
    data.set("fixes_used", std::to_string(c.trial_fixes_used));
    data.set("fixes_limit", std::to_string(c.trial_fixes_limit));
    data.set("key_display_id", who.key_display_id);
    data.set("support_email", settings_.support_email);
    data.set("sign_in_url", who.link);
    data.set("link_minutes", std::to_string(std::chrono::duration_cast<std::chrono::minutes>(link.ttl).count()));
    data.set("old_email", payload.value("old_email", ""));
    data.set("new_email", payload.value("new_email", ""));
    data.set(std::string(domain::toString(state)), true);
    if (job.kind == kind::kWelcome && payload.contains("sealed_key")) {
        const auto key = crypto::open(settings_.payload_key, payload["sealed_key"].get<std::string>());
        if (key) data.set("api_key", *key);
    }
    const std::string subject = subjectFor(job.kind, state, c.name);
    data.set("subject", subject);
    data.set("heading", subject);

    mail::EmailMessage message;
    const auto address = domain::parseEmail(who.to_address);
    message.to_address = address.ok() ? address.value().smtpAddress() : who.to_address;
    message.to_name = c.name;
    message.subject = subject;
    message.message_id = message_id;
    if (onboarding) {
        const std::string unsubscribe =
            settings_.public_url + "/unsubscribe/" + domain::unsubscribeToken(settings_.unsubscribe_key, c.id);
        data.set("unsubscribe_url", unsubscribe);
        message.headers.emplace_back("List-Unsubscribe", "<" + unsubscribe + ">");
        message.headers.emplace_back("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
    }
    if (job.kind == kind::kWelcome)
        data.set("not_me_url", settings_.public_url + "/not-me/" +
                                   domain::disownToken(settings_.not_me_key, c.id, clock_.now()));
    const std::string name = templateFor(job.kind);
    message.text_body = templates_.render(name + ".text", data);
    data.set("content", templates_.render(name + ".html", data));
    message.html_body = templates_.render("layout.html", data);

    // Fenced by the lease token, right before the one step that cannot be taken back: a worker whose lease
    // lapsed (and another worker may have rescued the job) sends nothing.
    if (!lease.confirm()) return JobOutcome::abandon("lease lost before sending " + message_id);
    const mail::SendResult result = mailer_.send({message}).at(0);
    settings_.telemetry->emailFinished(job.kind, emailResultLabel(result.kind));
    const Timestamp now = clock_.now();
    switch (result.kind) {
        case mail::SendResult::Kind::Sent:
            counters_.sent.fetch_add(1);
            recordDelivery(job, message_id, customer_id, std::string(domain::toString(state)));
            return JobOutcome::done(cleaned.dump());
        case mail::SendResult::Kind::Unavailable:
            counters_.deferred.fetch_add(1);
            return JobOutcome::defer(result.detail);
        case mail::SendResult::Kind::Transient:
            if (job.attempts < job.max_attempts)
                storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
                    domain::recordEvent(tx, customer_id, event_type, "retrying",
                                        {{"error", result.detail}, {"attempt", job.attempts}}, now);
                });
            return JobOutcome::retry(result.detail, cleaned.dump());
        case mail::SendResult::Kind::Permanent:
            storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
                // Only the customer's own address: a refused new address (an email change) leaves it alone.
                if (who.to_address == c.email) storage::CustomerRepository(tx).markEmailUndeliverable(customer_id, now);
            });
            return JobOutcome::fail(result.detail, cleaned.dump());
    }
    return JobOutcome::retry("unknown send result");
}

std::optional<std::string> EmailJobHandler::onDead(storage::Transaction& tx, const Job& job, const std::string& error) {
    auto payload = nlohmann::json::parse(job.payload, nullptr, /*allow_exceptions=*/false);
    if (!payload.is_object()) return std::nullopt;  // the row stays dead with its last_error: nothing is lost
    if (const auto customer = payload.find("customer_id"); customer != payload.end() && customer->is_number_integer())
        domain::recordEvent(tx, customer->get<std::int64_t>(), emailEventType(job.kind), "failed",
                            {{"error", error}, {"attempts", job.attempts}}, clock_.now());
    if (!payload.contains("sealed_key") && !(job.kind == kind::kSignIn && payload.contains("email"))) return std::nullopt;
    payload.erase("sealed_key");
    if (job.kind == kind::kSignIn) payload.erase("email");
    return payload.dump();
}

}  // namespace rsolv::jobs
