#pragma once

#include <string>
#include <vector>

#include <Poco/Net/Context.h>

#include "mail/mail_settings.h"
#include "mail/mailer.h"

namespace rsolv::mail {

/// Delivers over SMTP with POCO: one connection per send() batch, explicit connect and I/O timeouts, QUIT at the end.
/// smtp+starttls:// never continues in clear when STARTTLS is refused; smtps:// speaks TLS from the first byte; both
/// verify the server certificate against the system CAs and the host name. AUTH (PLAIN, else LOGIN) only when a
/// username is set, and only over TLS unless the host is loopback.
///
/// Results: connection failures, timeouts and 4xx replies are Transient; a 5xx reply to MAIL FROM, RCPT TO or DATA
/// is Permanent for that message only (RSET, then the batch goes on); a message renderMessage() rejects is Permanent.
class SmtpMailer final : public Mailer {
public:
    /// Throws std::invalid_argument when the settings cannot work (File transport, no host, bad from address).
    explicit SmtpMailer(MailSettings settings);
    ~SmtpMailer() override;

    std::vector<SendResult> send(const std::vector<EmailMessage>& batch) override;
    std::string describe() const override;

private:
    MailSettings settings_;
    Poco::Net::Context::Ptr tls_;  ///< null for plain smtp://
};

}  // namespace rsolv::mail
