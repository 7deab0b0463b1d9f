#pragma once

#include <string>
#include <vector>

#include "mail/mail_settings.h"
#include "mail/mailer.h"

namespace rsolv::mail {

/// Writes each message to `directory/<UTC time>-<message id>.eml` (the exact renderMessage() bytes) for development
/// and tests. Atomic: written to a hidden temporary name, flushed, then renamed, so a reader never sees half a file.
/// Sent unless the disk fails (Transient); a message renderMessage() rejects is Permanent, as over SMTP.
class FileMailer final : public Mailer {
public:
    /// Throws std::invalid_argument for an empty directory or a bad from address.
    explicit FileMailer(MailSettings settings);

    std::vector<SendResult> send(const std::vector<EmailMessage>& batch) override;
    std::string describe() const override;

private:
    MailSettings settings_;
};

}  // namespace rsolv::mail
