#include "jobs/invitation_email_jobs.h"

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "domain/admin/signups.h"
#include "domain/email_address.h"
#include "jobs/delivery_record.h"
#include "storage/email_delivery_repository.h"
#include "storage/signup_repository.h"

namespace rsolv::jobs {

InvitationEmailJobHandler::InvitationEmailJobHandler(storage::Database& db, const Clock& clock, mail::Mailer& mailer,
                                                     Settings settings)
    : db_(db), clock_(clock), mailer_(mailer), settings_(std::move(settings)), templates_("templates/email/") {}

std::optional<InvitationEmailJobHandler::Recipient> InvitationEmailJobHandler::recipient(
    storage::Transaction& tx, std::int64_t invitation_id, const std::string& message_id) {
    storage::SignupRepository signups(tx);
    const auto invitation = signups.findInvitation(invitation_id);
    if (!invitation || invitation->used_at || storage::EmailDeliveryRepository(tx).wasSent(message_id))
        return std::nullopt;
    // An approved waitlist entry gets its single-use link; an invited address, the way to sign up with it.
    if (const auto entry = signups.waitlistEntryOfInvitation(invitation_id))
        return Recipient{entry->email, entry->name, true};
    if (invitation->kind == "email") return Recipient{invitation->value, "", false};
    return std::nullopt;
}

JobOutcome InvitationEmailJobHandler::run(const Job& job, JobLease& lease) {
    const auto payload = nlohmann::json::parse(job.payload);
    nlohmann::json cleaned = payload;
    cleaned.erase("sealed_token");
    const std::int64_t invitation_id = payload.value("invitation_id", std::int64_t(0));
    const std::string message_id = "<invitation." + std::to_string(invitation_id) + "@" + settings_.host + ">";

    // Who it goes to, as the database says now: nothing for an invitation already used, erased or already sent.
    const auto to = storage::inTransaction(db_, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return recipient(tx, invitation_id, message_id);
    });
    if (!to) return JobOutcome::done(cleaned.dump());
    std::string invitation_url = settings_.public_url + "/signup";
    if (to->by_link) {
        const auto token = crypto::open(settings_.seal_key, payload.value("sealed_token", ""));
        if (!token) return JobOutcome::fail("the invitation token cannot be opened", cleaned.dump());
        invitation_url = settings_.public_url + "/invite/" + *token;
    }

    TemplateData data;
    const std::string subject = "Your invitation to RSOLV";
    data.set("subject", subject);
    data.set("heading", subject);
    if (!to->name.empty()) data.set("name", to->name);
    data.set("by_link", to->by_link);
    data.set("invitation_url", invitation_url);
    data.set("support_email", settings_.support_email);
    mail::EmailMessage message;
    const auto address = domain::parseEmail(to->email);
    message.to_address = address.ok() ? address.value().smtpAddress() : to->email;
    message.to_name = to->name;
    message.subject = subject;
    message.message_id = message_id;
    message.text_body = templates_.render("invitation.text", data);
    data.set("content", templates_.render("invitation.html", data));
    message.html_body = templates_.render("layout.html", data);

    // A job that dies keeps its payload, token included, so an operator's retry can still send the link.
    return sendOnce(mailer_, lease,
                    {message, deliveryRecord(db_, message_id, std::string(domain::admin::kInvitationJob), clock_),
                     nullptr, job.kind, cleaned.dump(), std::nullopt});
}

}  // namespace rsolv::jobs
