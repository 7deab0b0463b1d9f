#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rsolv {

/// Standard Webhooks (standardwebhooks.com) signing: the secret is "whsec_" + base64 of the key bytes.
/// The key bytes of a "whsec_..." secret; nothing when it is not one (or decodes to fewer than 16 bytes).
std::optional<std::string> decodeWebhookSecret(std::string_view secret);

/// The webhook-signature header: "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)).
std::string webhookSignature(std::string_view key, std::string_view id, std::string_view timestamp,
                             std::string_view body);

}  // namespace rsolv
