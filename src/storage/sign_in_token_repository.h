#pragma once

#include <optional>
#include <string>

#include "storage/database.h"

namespace rsolv::storage {

struct EmailChangeToken {
    std::int64_t customer_id = 0;
    std::string new_email;
};

/// Single-use sign-in links: only the SHA-256 of the token is stored.
class SignInTokenRepository {
public:
    explicit SignInTokenRepository(Transaction& tx) : tx_(tx) {}
    void insert(const std::string& token_hash, std::int64_t customer_id, const std::string& purpose,
                const std::string& email, Timestamp now, Timestamp expires_at,
                const std::optional<std::string>& new_email = std::nullopt);
    /// Marks the token used and returns its customer, in one statement, so two redemptions cannot both succeed.
    /// Nothing when unknown, used, expired, or issued to an email the customer no longer has.
    std::optional<std::int64_t> redeem(const std::string& token_hash, Timestamp now);
    /// The same for an email-change link (purpose "email_change"): its customer and the address to change to.
    std::optional<EmailChangeToken> redeemEmailChange(const std::string& token_hash, Timestamp now);
    /// A live token of `purpose`, without using it up (to show a confirmation page).
    /// Uses up every outstanding link of the customer (sign-in and email change): "sign out everywhere".
    int voidAllFor(std::int64_t customer_id, Timestamp now);
    std::optional<EmailChangeToken> peek(const std::string& token_hash, const std::string& purpose, Timestamp now);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
