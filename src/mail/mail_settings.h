#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "mail/mailer.h"

namespace rsolv::mail {

struct MailSettings {
    enum class Transport { File, Smtp, SmtpStartTls, Smtps } transport = Transport::File;
    std::string directory;  ///< File: the outbox folder, created when missing
    std::string host;
    unsigned short port = 25;
    std::string username;  ///< empty: no AUTH
    std::string password;
    std::string from_address;
    std::string from_name = "RSOLV";
    std::string reply_to;  ///< empty: no Reply-To header
    int connect_timeout_seconds = 10;
    int io_timeout_seconds = 30;
    int max_connections = 4;   ///< SMTP: parallel senders, each on its own connection (RSOLV_MAIL_SENDERS)
    int keep_idle_seconds = 5; ///< SMTP: an idle connection is reused (RSET) for this long, then closed (QUIT)
};

/// Parses RSOLV_MAIL_URL: "file:DIR" | "smtp://[user:pass@]host[:port]" (port 25) | "smtp+starttls://...[:587]" |
/// "smtps://...[:465]"; user and password are percent-decoded. Credentials in a plain smtp:// URL are accepted only
/// for a loopback host. Any other input is an Error with field "RSOLV_MAIL_URL"; messages never repeat the password.
/// `field` names the variable in messages (RSOLV_MAIL_FALLBACK_URL takes the same forms).
Result<MailSettings> parseMailUrl(std::string_view url, std::string_view field = "RSOLV_MAIL_URL");

/// The mailer for the settings' transport. Throws std::invalid_argument when from_address (or reply_to) is not a
/// usable address, so a misconfiguration stops start-up instead of failing every email.
std::unique_ptr<Mailer> makeMailer(const MailSettings& settings);

/// True for "localhost", 127.0.0.0/8 and ::1: the only hosts a password may be sent to without TLS.
bool isLoopbackHost(std::string_view host);

}  // namespace rsolv::mail
