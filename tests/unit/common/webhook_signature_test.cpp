#include <gtest/gtest.h>

#include "common/webhook_signature.h"

namespace rsolv {
namespace {

// The example of the Standard Webhooks specification and its reference libraries.
TEST(WebhookSignature, MatchesTheStandardWebhooksExample) {
    const auto key = decodeWebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    ASSERT_TRUE(key);
    EXPECT_EQ(webhookSignature(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", R"({"test": 2432232314})"),
              "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(WebhookSignature, RefusesSecretsWithoutPrefixOrNotBase64) {
    EXPECT_FALSE(decodeWebhookSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
    EXPECT_FALSE(decodeWebhookSecret("whsec_not base64!"));
    EXPECT_FALSE(decodeWebhookSecret("whsec_c2hvcnQ="));  // "short": too few key bytes
}

}  // namespace
}  // namespace rsolv
