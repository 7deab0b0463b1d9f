#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

/// Base62 (0-9A-Za-z) is used for API keys because, unlike base64, it has no characters that a double-click, a shell,
/// a URL or a secret scanner's word boundary would split on.
namespace rsolv {

/// `bytes` read as one big-endian unsigned number, written in base62 and left-padded with '0' to exactly `width`
/// characters, so that every key has the same length whatever its value.
/// Throws std::invalid_argument if the number needs more than `width` digits.
/// Sizes that always fit: 32 bytes in 43 characters (62^43 > 2^256), 4 bytes in 6 (62^6 > 2^32).
std::string base62EncodeFixed(std::string_view bytes, std::size_t width);

/// Same encoding for a 32-bit value (a CRC32 needs width 6).
std::string base62EncodeU32(std::uint32_t v, std::size_t width);

/// True when every character is in 0-9A-Za-z; false for the empty string, which never encodes anything here.
bool isBase62(std::string_view text);

/// True for one character of the base62 alphabet.
constexpr bool isBase62Char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

}  // namespace rsolv
