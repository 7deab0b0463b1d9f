#include "jobs/operator_email_jobs.h"

#include <nlohmann/json.hpp>

#include "domain/email_address.h"
#include "jobs/delivery_record.h"

namespace rsolv::jobs {

OperatorEmailJobHandler::OperatorEmailJobHandler(storage::Database& db, const Clock& clock, mail::Mailer& mailer,
                                                 std::string public_url, std::string host,
                                                 domain::admin::OperatorPolicy policy)
    : db_(db),
      clock_(clock),
      mailer_(mailer),
      public_url_(std::move(public_url)),
      host_(std::move(host)),
      policy_(policy),
      templates_("templates/email/") {}

JobOutcome OperatorEmailJobHandler::run(const Job& job, JobLease& lease) {
    auto payload = nlohmann::json::parse(job.payload);
    nlohmann::json cleaned = payload;
    cleaned.erase("email");
    // Stable across runs of this job: a run after the email was accepted makes no second link and sends nothing.
    const std::string message_id =
        "<operator-sign-in." + payload.value("instance", std::to_string(job.id)) + "@" + host_ + ">";
    if (alreadyDelivered(db_, message_id)) return JobOutcome::done(cleaned.dump());
    // A retry issues a new token: an earlier one, never sent, simply expires.
    const auto issued = storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
        return domain::admin::issueOperatorLink(tx, payload.value("email", ""), clock_.now(), policy_);
    });
    if (!issued) return JobOutcome::done(cleaned.dump());

    TemplateData data;
    const std::string subject = "Your RSOLV operator console sign-in link";
    data.set("subject", subject);
    data.set("heading", subject);
    data.set("sign_in_url", public_url_ + "/admin/signin/" + issued->token);
    data.set("console_url", public_url_ + "/admin/login");
    data.set("link_minutes",
             std::to_string(std::chrono::duration_cast<std::chrono::minutes>(policy_.link_ttl).count()));
    mail::EmailMessage message;
    const auto address = domain::parseEmail(issued->op.email);
    message.to_address = address.ok() ? address.value().smtpAddress() : issued->op.email;
    message.subject = subject;
    message.message_id = message_id;
    message.text_body = templates_.render("operator_sign_in.text", data);
    data.set("content", templates_.render("operator_sign_in.html", data));
    message.html_body = templates_.render("layout.html", data);
    return sendOnce(mailer_, lease,
                    {message, deliveryRecord(db_, message_id, job.kind, clock_), nullptr, job.kind, cleaned.dump(),
                     cleaned.dump()});
}

std::optional<std::string> OperatorEmailJobHandler::onDead(storage::Transaction&, const Job& job, const std::string&) {
    auto payload = nlohmann::json::parse(job.payload, nullptr, false);
    if (!payload.is_object() || !payload.contains("email")) return std::nullopt;
    payload.erase("email");
    return payload.dump();
}

}  // namespace rsolv::jobs
