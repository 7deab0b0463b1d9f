#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "mail/mail_settings.h"
#include "mail/mailer.h"

namespace rsolv::mail {

/// The whole message as RFC 5322 text with CRLF line ends, 7-bit clean: Date, From, Reply-To (if set), To, Subject,
/// Message-ID, MIME-Version, the extra headers, then multipart/alternative with text/plain and text/html parts, both
/// UTF-8 quoted-printable. Both transports send exactly these bytes. Throws std::invalid_argument for an address,
/// Message-ID or extra header that could break the message (CR, LF, NUL, a second '@', a reserved header name...).
std::string renderMessage(const MailSettings& settings, const EmailMessage& message,
                          std::chrono::system_clock::time_point date);

/// Whether `address` is a plain ASCII local@domain that is safe in a header and in RCPT TO.
bool isSafeAddress(std::string_view address);

/// RFC 2047 "B" encoded-words (UTF-8), folded with CRLF SP, or the text itself when it is short printable ASCII.
/// Control characters (CR and LF included) become spaces first, so the result never ends a header line.
std::string encodeHeaderText(std::string_view text);

/// Quoted-printable (RFC 2045) with CRLF line ends and lines of at most 76 characters.
std::string encodeQuotedPrintable(std::string_view text);

}  // namespace rsolv::mail
