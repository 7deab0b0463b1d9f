#include "common/webhook_signature.h"

#include <sodium.h>

#include <vector>

namespace rsolv {

std::optional<std::string> decodeWebhookSecret(std::string_view secret) {
    constexpr std::string_view kPrefix = "whsec_";
    if (secret.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
    const std::string_view b64 = secret.substr(kPrefix.size());
    std::vector<unsigned char> bin(b64.size());
    size_t len = 0;
    if (sodium_base642bin(bin.data(), bin.size(), b64.data(), b64.size(), nullptr, &len, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        len < 16)
        return std::nullopt;
    return std::string(reinterpret_cast<const char*>(bin.data()), len);
}

std::string webhookSignature(std::string_view key, std::string_view id, std::string_view timestamp,
                             std::string_view body) {
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
    const auto feed = [&](std::string_view part) {
        crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(part.data()), part.size());
    };
    feed(id);
    feed(".");
    feed(timestamp);
    feed(".");
    feed(body);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_final(&state, mac);
    char b64[sodium_base64_ENCODED_LEN(crypto_auth_hmacsha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
    return std::string("v1,") + b64;
}

}  // namespace rsolv
