#pragma once
// For the email integration tests (tests/integration/email_*_test.cpp): an email as the SMTP test server received
// it, read the way a mail client would (headers unfolded, multipart/alternative split, quoted-printable decoded), and
// small readers of what the service recorded about a customer's emails.

#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/PartHandler.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "domain/alerting.h"
#include "domain/email_address.h"
#include "jobs/job_queue.h"
#include "storage/customer_repository.h"
#include "storage/event_repository.h"
#include "support/smtp_test_server.h"
#include "support/test_app.h"

namespace rsolv::test {

struct ReceivedEmail {
    std::string raw;
    Poco::Net::MessageHeader headers;  ///< top-level headers
    std::string content_type;          ///< of the whole message
    std::string text;                  ///< decoded text/plain part
    std::string html;                  ///< decoded text/html part
    int parts = 0;

    std::string header(const std::string& name) const { return headers.get(name, ""); }
    bool hasHeader(const std::string& name) const { return headers.has(name); }
    std::string messageId() const { return header("Message-ID"); }
    /// As sent: the subjects in these tests are short plain ASCII, which the renderer leaves unencoded.
    std::string subject() const { return header("Subject"); }
    /// Everything a reader could see: the raw text and both decoded parts.
    std::string everything() const { return raw + "\n" + text + "\n" + html; }
};

namespace email_test_detail {
class Collector final : public Poco::Net::PartHandler {
public:
    explicit Collector(ReceivedEmail& email) : email_(email) {}
    void handlePart(const Poco::Net::MessageHeader& header, std::istream& stream) override {
        std::string body;
        Poco::StreamCopier::copyToString(stream, body);
        const std::string type = header.get("Content-Type", "");
        ++email_.parts;
        if (type.rfind("text/plain", 0) == 0) email_.text += body;
        if (type.rfind("text/html", 0) == 0) email_.html += body;
    }

private:
    ReceivedEmail& email_;
};
}  // namespace email_test_detail

inline ReceivedEmail parseReceivedEmail(const std::string& raw) {
    ReceivedEmail e;
    e.raw = raw;
    std::istringstream in(raw);
    Poco::Net::MailMessage message;
    email_test_detail::Collector collector(e);
    message.read(in, collector);
    for (const auto& [k, v] : message) e.headers.add(k, v);
    e.content_type = message.getContentType();
    return e;
}

/// Everything the SMTP test server accepted so far, in arrival order.
inline std::vector<ReceivedEmail> receivedEmails(const SmtpTestServer& smtp) {
    std::vector<ReceivedEmail> out;
    for (const auto& r : smtp.messages()) out.push_back(parseReceivedEmail(r));
    return out;
}

inline int countWithMessageId(const std::vector<ReceivedEmail>& emails, const std::string& id) {
    int n = 0;
    for (const auto& e : emails) n += e.messageId() == id;
    return n;
}

/// The path of the first link to "/<route>/<token>" under an http(s) URL in `text` ("/signin/abc"), or empty.
inline std::string linkPath(const std::string& text, const std::string& route) {
    // The path and its query, as a browser would request them (a welcome link carries a return_to).
    const std::regex re("https?://[A-Za-z0-9.:-]+(/" + route + "/[A-Za-z0-9._~-]+(\\?[A-Za-z0-9%=._~-]+)?)");
    std::smatch m;
    return std::regex_search(text, m, re) ? std::string(m[1]) : std::string();
}

/// The configure lambda of a TestApp that sends through `smtp`, with the addresses loadConfig() would default to
/// (TestApp builds its Config directly, so they are empty otherwise).
inline std::function<void(app::Config&)> viaSmtp(const SmtpTestServer& smtp,
                                                 std::function<void(app::Config&)> more = {}) {
    const unsigned short port = smtp.port();
    return [port, more](app::Config& c) {
        c.mail_url = "smtp://127.0.0.1:" + std::to_string(port);
        c.mail_from = "RSOLV <no-reply@rsolv.test>";
        c.support_email = "support@rsolv.test";
        c.mail_reply_to = "support@rsolv.test";
        c.smtp_timeout_seconds = 3;
        if (more) more(c);
    };
}

inline storage::CustomerRecord customerByEmail(TestApp& app, const std::string& email) {
    const auto canonical = domain::parseEmail(email).value().canonical;
    auto c = storage::inTransaction(app.db(), storage::TxMode::Read, [&](storage::Transaction& tx) {
        return storage::CustomerRepository(tx).findByCanonicalEmail(canonical);
    });
    if (!c) throw std::runtime_error("no customer with email " + email);
    return *c;
}

inline storage::CustomerRecord customerById(TestApp& app, std::int64_t id) {
    return *storage::inTransaction(app.db(), storage::TxMode::Read, [&](storage::Transaction& tx) {
        return storage::CustomerRepository(tx).findById(id);
    });
}

/// The customer's provisioning events of one type, oldest first, as "status" + parsed details.
struct EmailEvent {
    std::string status;
    nlohmann::json details;
};
inline std::vector<EmailEvent> eventsOf(TestApp& app, std::int64_t customer_id, const std::string& type) {
    const auto all = storage::inTransaction(app.db(), storage::TxMode::Read, [&](storage::Transaction& tx) {
        return storage::EventRepository(tx).listForCustomer(customer_id);
    });
    std::vector<EmailEvent> out;
    for (const auto& e : all)
        if (e.event_type == type) out.push_back({e.status, nlohmann::json::parse(e.details_json)});
    return out;
}

/// The statuses, sorted: events written at the same instant (the test clock stands still) come back in no
/// particular order, so tests compare the set of statuses, not their sequence.
inline std::vector<std::string> statusesOf(const std::vector<EmailEvent>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.status);
    std::sort(out.begin(), out.end());
    return out;
}

/// The details of the last event with `status`, or an empty object when there is none.
inline nlohmann::json detailsOf(const std::vector<EmailEvent>& events, const std::string& status) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& e : events)
        if (e.status == status) out = e.details;
    return out;
}

inline std::string welcomeMessageId(std::int64_t customer_id) {
    return "<welcome." + std::to_string(customer_id) + "@rsolv.test>";
}

/// Queues a firing "RsolvJobsDead" alert email to `to`, as domain::Alerting queues a notice.
inline void enqueueAlertEmail(TestApp& app, const std::string& to) {
    storage::inTransaction(app.db(), storage::TxMode::Write, [&](storage::Transaction& tx) {
        const Timestamp now = app.clock().now();
        const std::string at = storage::formatTimestamp(now);
        jobs::enqueue(tx,
                      {std::string(domain::alert_job::kEmail),
                       {{"alert", "RsolvJobsDead"}, {"title", "Jobs are dead"}, {"state", "firing"},
                        {"detail", "3 dead jobs"}, {"at", at}, {"since", at}, {"to", to}},
                       "alert:RsolvJobsDead:firing:" + at + ":email:" + to, now},
                      now);
    });
}

}  // namespace rsolv::test
