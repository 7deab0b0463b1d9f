#include "jobs/alert_jobs.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/crypto.h"
#include "common/webhook_signature.h"
#include "jobs/delivery_record.h"
#include "jobs/email_jobs.h"

namespace rsolv::jobs {
namespace {

std::string subjectOf(const nlohmann::json& p) {
    return std::string("[RSOLV] ") + (p.value("state", "") == "resolved" ? "Resolved: " : "Firing: ") +
           p.value("title", p.value("alert", ""));
}

}  // namespace

JobOutcome AlertEmailJobHandler::run(const Job& job, JobLease& lease) {
    const auto p = nlohmann::json::parse(job.payload);
    mail::EmailMessage m;
    m.to_address = p.at("to").get<std::string>();
    m.subject = subjectOf(p);
    m.text_body = m.subject.substr(8) + "\n\n" + p.value("detail", "") + "\n\nAlert: " + p.value("alert", "") +
                  "\nSince: " + p.value("since", "") + "\nAt: " + p.value("at", "") +
                  "\n\nThis message comes from RSOLV's built-in alerting (RSOLV_ALERT_EMAILS).\n";
    m.message_id = "<alert-" + crypto::sha256Hex(job.unique_key.value_or(std::to_string(job.id))).substr(0, 32) + "@" +
                   host_ + ">";
    if (alreadyDelivered(db_, m.message_id)) return JobOutcome::done();
    return sendOnce(mailer_, lease, {m, deliveryRecord(db_, m.message_id, job.kind, clock_), &telemetry_, job.kind});
}

JobOutcome AlertWebhookJobHandler::run(const Job& job, JobLease& lease) {
    const auto p = nlohmann::json::parse(job.payload);
    const std::string id = p.at("id").get<std::string>();
    const nlohmann::json body_json = {
        {"type", "alert." + p.value("state", "")},
        {"timestamp", p.value("at", "")},
        {"data",
         {{"alert", p.value("alert", "")},
          {"title", p.value("title", "")},
          {"state", p.value("state", "")},
          {"detail", p.value("detail", "")},
          {"since", p.value("since", "")}}}};
    const std::string body = body_json.dump();
    const std::string timestamp = std::to_string(
        std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count());

    const Poco::URI uri(settings_.url);
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (uri.getScheme() == "https")
        session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort());
    else
        session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    session->setTimeout(Poco::Timespan(settings_.timeout_seconds, 0));
    const std::string path = uri.getPathAndQuery().empty() ? "/" : uri.getPathAndQuery();
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength64(static_cast<Poco::Int64>(body.size()));
    request.set("User-Agent", "rsolv-alerts");
    request.set("webhook-id", id);
    request.set("webhook-timestamp", timestamp);
    request.set("webhook-signature", webhookSignature(settings_.key, id, timestamp, body));
    if (!lease.confirm()) return JobOutcome::abandon("lease lost before posting webhook " + id);
    session->sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::ostringstream ignored;
    Poco::StreamCopier::copyStream(session->receiveResponse(response), ignored);
    const int status = static_cast<int>(response.getStatus());
    if (status >= 200 && status < 300) return JobOutcome::done();
    return JobOutcome::retry("the webhook answered HTTP " + std::to_string(status));
}

}  // namespace rsolv::jobs
