#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <Poco/Net/Context.h>

#include "mail/mail_settings.h"
#include "mail/mailer.h"

namespace rsolv::mail {

/// Delivers over SMTP with POCO, explicit connect and I/O timeouts. Connections are reused across send() calls (RSET
/// before each reuse), at most `max_connections` at once (send() waits for a free one), an idle one closed with QUIT
/// after `keep_idle_seconds`.
/// smtp+starttls:// never continues in clear when STARTTLS is refused; smtps:// speaks TLS from the first byte; both
/// verify the server certificate against the system CAs and the host name. AUTH (PLAIN, else LOGIN) only when a
/// username is set, and only over TLS unless the host is loopback.
///
/// Results: no connection, or a session refused (greeting, EHLO, STARTTLS, AUTH), is Unavailable; a connection lost or
/// timed out during a message, and 4xx replies, are Transient; a 5xx reply to MAIL FROM, RCPT TO or DATA
/// is Permanent for that message only (RSET, then the batch goes on); a message renderMessage() rejects is Permanent.
class SmtpMailer final : public Mailer {
public:
    /// Throws std::invalid_argument when the settings cannot work (File transport, no host, bad from address).
    explicit SmtpMailer(MailSettings settings);
    ~SmtpMailer() override;

    std::vector<SendResult> send(const std::vector<EmailMessage>& batch) override;
    std::string describe() const override;
    bool probe() override;
    /// Closes (QUIT) connections idle for longer than keep_idle_seconds.
    void closeIdle() override;

    class Connection;

private:
    struct Opened;
    Opened open();
    std::unique_ptr<Connection> acquire(bool& reused);
    void giveBack(std::unique_ptr<Connection> connection);
    void dropSlot();

    MailSettings settings_;
    Poco::Net::Context::Ptr tls_;  ///< null for plain smtp://
    std::mutex mutex_;
    std::condition_variable slot_free_;
    int open_ = 0;  ///< connections in use or idle
    std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace rsolv::mail
