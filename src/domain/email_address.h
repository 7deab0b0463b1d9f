#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace rsolv::domain {

/// An email address a person typed, checked against what real mail providers hand out.
struct EmailAddress {
    std::string as_typed;   ///< trimmed input; the domain part may be Unicode as typed, so show this one to the person
    std::string local;      ///< local part as typed (ASCII only, case kept)
    std::string domain;     ///< ASCII domain: punycode, lowercased
    std::string canonical;  ///< for duplicate detection and limits, never for sending

    /// local@ASCII-domain: what goes into SMTP (RCPT TO, To header), so a Unicode domain never needs SMTPUTF8.
    std::string smtpAddress() const { return local + "@" + domain; }
};

/// Trims, validates and canonicalises. Error.field is "email"; Error.code one of: "required", "too_long",
/// "invalid_format", "invalid_domain", "forbidden_character"; Error.message is a clear, polite sentence for a person.
Result<EmailAddress> parseEmail(std::string_view input);

/// Lowercase; "+tag" removed from the local part; for gmail.com/googlemail.com dots removed and googlemail.com -> gmail.com.
/// Two addresses that reach the same mailbox this way count as one account and share one set of limits.
std::string canonicalEmail(std::string_view local, std::string_view ascii_domain);

/// Validates a display name: trimmed, at most 100 code points of valid UTF-8, no control characters (C0, DEL, C1,
/// U+2028/2029) and no bidi embedding/override/isolate characters, which can make a name render as something else.
/// Markup is accepted as text: escaping happens when a page is rendered. Empty is an error only if `required`.
/// Error.field is `field`; Error.code one of "required", "too_long", "forbidden_character", "invalid_format".
Result<std::string> parseName(std::string_view input, std::string_view field, bool required);

}  // namespace rsolv::domain
