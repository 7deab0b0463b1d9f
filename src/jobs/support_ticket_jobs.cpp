#include "jobs/support_ticket_jobs.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "domain/email_address.h"
#include "domain/events.h"
#include "jobs/delivery_record.h"
#include "jobs/email_jobs.h"
#include "storage/email_delivery_repository.h"
#include "storage/support_ticket_repository.h"

namespace rsolv::jobs {
namespace {

mail::EmailMessage ticketEmail(const storage::SupportTicketRecord& t, const SupportEmailSettings& s) {
    mail::EmailMessage m;
    m.to_address = s.support_address;
    m.subject = "[RSOLV support #" + std::to_string(t.id) + "] " + t.subject;
    m.message_id = "<support-ticket." + std::to_string(t.id) + "@" + s.host + ">";
    const auto address = domain::parseEmail(t.customer_email);
    m.text_body = "A customer opened a support ticket from the dashboard.\n\n"
                  "Ticket: #" + std::to_string(t.id) + "\n"
                  "Customer: " + t.customer_name + " <" + (address.ok() ? address.value().smtpAddress() : t.customer_email) +
                  ">\n"
                  "Customer id: " + std::to_string(t.customer_id) + "\n"
                  "Console: " + s.public_url + "/admin/customers/" + std::to_string(t.customer_id) + "\n"
                  "Subject: " + t.subject + "\n\n" + t.message + "\n\n"
                  "Answer the customer at the address above.\n";
    return m;
}

void recordDelivery(storage::Database& db_, const Clock& clock_, const std::string& message_id,
                    std::int64_t customer_id, std::int64_t ticket_id);

}  // namespace

JobOutcome runSupportTicketEmail(storage::Database& db_, const Clock& clock_, mail::Mailer& mailer_,
                                 const SupportEmailSettings& settings_, const Job& job, JobLease& lease) {
    const auto payload = nlohmann::json::parse(job.payload);
    const std::int64_t ticket_id = payload.value("ticket_id", std::int64_t(0));
    const auto ticket = storage::inTransaction(db_, storage::TxMode::Read, [&](storage::Transaction& tx) {
        return storage::SupportTicketRepository(tx).find(ticket_id);
    });
    if (!ticket) return JobOutcome::done();  // erased meanwhile: nothing to send
    const mail::EmailMessage message = ticketEmail(*ticket, settings_);
    if (alreadyDelivered(db_, message.message_id)) return JobOutcome::done();
    return sendOnce(mailer_, lease,
                    {message, [&] { recordDelivery(db_, clock_, message.message_id, ticket->customer_id, ticket->id); },
                     settings_.telemetry, job.kind});
}

namespace {

void recordDelivery(storage::Database& db_, const Clock& clock_, const std::string& message_id,
                    std::int64_t customer_id, std::int64_t ticket_id) {
    storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
        const Timestamp now = clock_.now();
        const bool first =
            storage::EmailDeliveryRepository(tx).record(message_id, customer_id, "email.support_ticket", now);
        domain::recordEvent(tx, customer_id, "support_ticket_email", first ? "sent" : "duplicate",
                            {{"message_id", message_id}, {"ticket_id", ticket_id}}, now);
    });
}

}  // namespace

}  // namespace rsolv::jobs
