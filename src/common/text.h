#pragma once

#include <string>
#include <string_view>

namespace rsolv {

/// At most `max_bytes` of `text`, cut on a character boundary, with every invalid UTF-8 sequence and control
/// character replaced by U+FFFD: safe to store in a UTF-8 column or show, whatever a client sent (User-Agent...).
std::string sanitizeUtf8(std::string_view text, size_t max_bytes);

/// Percent-encodes everything but unreserved characters (RFC 3986), for a value inside a query string.
std::string urlEncode(std::string_view text);

}  // namespace rsolv
