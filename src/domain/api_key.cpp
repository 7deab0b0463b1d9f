#include "domain/api_key.h"

#include <zlib.h>

#include <cstdint>

#include "common/base62.h"
#include "common/crypto.h"

namespace rsolv::domain {

namespace {

constexpr std::size_t kRandomBytes = 32;
constexpr std::size_t kShownChars = 4;
/// Below this many characters after the prefix a run is ordinary text (a table name, a word), not part of a key.
constexpr std::size_t kMinMaskedRun = 16;
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026, UTF-8
constexpr std::string_view kRedacted = "[redacted]";

std::string checksumOf(std::string_view random_part) {
    const auto crc = ::crc32(0L, reinterpret_cast<const Bytef*>(random_part.data()), static_cast<uInt>(random_part.size()));
    return base62EncodeU32(static_cast<std::uint32_t>(crc), kApiKeyChecksumLength);
}

std::size_t base62RunLength(std::string_view text, std::size_t from) {
    std::size_t end = from;
    while (end < text.size() && isBase62Char(text[end])) ++end;
    return end - from;
}

bool hasKeyShape(std::string_view text) {
    return text.size() == kApiKeyLength && text.substr(0, kApiKeyPrefix.size()) == kApiKeyPrefix &&
           isBase62(text.substr(kApiKeyPrefix.size()));
}

}  // namespace

GeneratedApiKey generateApiKey() {
    std::string raw = crypto::randomBytes(kRandomBytes);
    std::string random_part = base62EncodeFixed(raw, kApiKeyRandomLength);
    crypto::wipe(raw);

    GeneratedApiKey key;
    key.secret.reserve(kApiKeyLength);
    key.secret.append(kApiKeyPrefix).append(random_part).append(checksumOf(random_part));
    crypto::wipe(random_part);
    key.hash = hashApiKey(key.secret);
    key.display_id = displayIdOf(key.secret);
    return key;
}

bool isWellFormedApiKey(std::string_view text) {
    if (!hasKeyShape(text)) return false;
    const std::string_view random_part = text.substr(kApiKeyPrefix.size(), kApiKeyRandomLength);
    const std::string_view checksum = text.substr(kApiKeyPrefix.size() + kApiKeyRandomLength);
    // The checksum is public information about the key, so an ordinary comparison is fine here.
    return checksumOf(random_part) == checksum;
}

std::string hashApiKey(std::string_view secret) { return crypto::sha256Hex(secret); }

std::string displayIdOf(std::string_view secret) {
    if (!hasKeyShape(secret)) return std::string(kRedacted);
    std::string id;
    id.reserve(kApiKeyPrefix.size() + 2 * kShownChars + kEllipsis.size());
    id.append(secret.substr(0, kApiKeyPrefix.size() + kShownChars))
        .append(kEllipsis)
        .append(secret.substr(secret.size() - kShownChars));
    return id;
}

std::string maskApiKeys(std::string_view text) {
    constexpr std::size_t kBodyLength = kApiKeyLength - kApiKeyPrefix.size();
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    while (true) {
        const std::size_t hit = text.find(kApiKeyPrefix, pos);
        if (hit == std::string_view::npos) break;
        const std::size_t body = hit + kApiKeyPrefix.size();
        std::size_t run = base62RunLength(text, body);
        // A run cannot contain '_', so another key's prefix can only sit at its very end ("...rsolv_<next key>"):
        // leave that "rsolv" to the next search, or the next key would lose its prefix and escape masking.
        const std::size_t stem = kApiKeyPrefix.size() - 1;
        if (run >= stem && text.substr(body + run - stem, kApiKeyPrefix.size()) == kApiKeyPrefix) run -= stem;
        out.append(text.substr(pos, hit - pos));
        if (run == kBodyLength) {
            out.append(displayIdOf(text.substr(hit, kApiKeyLength)));
        } else if (run >= kMinMaskedRun) {
            out.append(text.substr(hit, kApiKeyPrefix.size() + kShownChars)).append(kEllipsis);
        } else {
            // Not a key: keep the prefix and rescan right after it, so "rsolv_rsolv_<key>" still finds the key.
            out.append(kApiKeyPrefix);
            pos = body;
            continue;
        }
        pos = body + run;
    }
    out.append(text.substr(pos));
    return out;
}

}  // namespace rsolv::domain
