#pragma once

#include <cstddef>
#include <string>
#include <string_view>

/// The API key format: `rsolv_` + 43 base62 characters encoding 32 bytes from libsodium's CSPRNG + 6 base62 characters
/// encoding the zlib CRC32 of those 43 characters. The prefix lets secret scanners recognise a leaked key, and the
/// checksum lets them (and us, before any database query) reject look-alikes offline, as GitHub's tokens do.
namespace rsolv::domain {

inline constexpr std::string_view kApiKeyPrefix = "rsolv_";
inline constexpr std::size_t kApiKeyRandomLength = 43;   ///< 62^43 > 2^256
inline constexpr std::size_t kApiKeyChecksumLength = 6;  ///< 62^6 > 2^32
inline constexpr std::size_t kApiKeyLength = kApiKeyPrefix.size() + kApiKeyRandomLength + kApiKeyChecksumLength;

struct GeneratedApiKey {
    std::string secret;      ///< the full key: shown to the customer once, never stored or logged
    std::string hash;        ///< sha256Hex(secret): the only form that is stored
    std::string display_id;  ///< e.g. "rsolv_AbCd…WxYz": lets a customer tell keys apart without revealing them
};

GeneratedApiKey generateApiKey();

/// True when the text has the prefix, the length, the alphabet, and a matching checksum. No database needed, so a
/// malformed or mistyped key is refused without touching storage.
bool isWellFormedApiKey(std::string_view text);

/// sha256Hex of the key: what the repository stores and looks up.
std::string hashApiKey(std::string_view secret);

/// "rsolv_" + the 4 characters after the prefix + "…" + the last 4 characters. About 48 bits of a 256-bit key are shown,
/// enough to tell keys apart and far too few to guess the rest. Returns "[redacted]" for text that is not shaped like a
/// key, so a stray secret of another kind is never echoed back.
std::string displayIdOf(std::string_view secret);

/// Replaces every key-looking run (rsolv_ followed by 49 base62 characters) in `text` with its display id, for log lines.
/// It also cuts down a run of 16 or more base62 characters after the prefix that is not exactly 49 long (a truncated
/// or run-on key) to "rsolv_" + 4 characters + "…", since even part of a key narrows the search for the rest.
/// Shorter runs such as "rsolv_customers" are left alone.
std::string maskApiKeys(std::string_view text);

}  // namespace rsolv::domain
