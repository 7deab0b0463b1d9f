#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rsolv {

/// At most `max_bytes` of `text`, cut on a character boundary, with every invalid UTF-8 sequence and control
/// character replaced by U+FFFD: safe to store in a UTF-8 column or show, whatever a client sent (User-Agent...).
std::string sanitizeUtf8(std::string_view text, size_t max_bytes);

/// `text` as a number when it is all decimal digits, at most 19 of them (no sign, no space): a field of a signed token.
std::optional<std::int64_t> wholeNumber(std::string_view text);

/// Percent-encodes everything but unreserved characters (RFC 3986), for a value inside a query string.
std::string urlEncode(std::string_view text);

}  // namespace rsolv
