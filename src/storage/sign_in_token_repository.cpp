#include "storage/sign_in_token_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kInsert{
    "INSERT INTO sign_in_tokens (token_hash, customer_id, purpose, email, created_at, expires_at, new_email) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7)"};
// Sign-in links of every purpose but an email change; one statement, so two redemptions cannot both succeed.
constexpr Query kRedeem{
    "UPDATE sign_in_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 "
    "AND purpose <> 'email_change' "
    "AND email = (SELECT email FROM customers WHERE customers.id = sign_in_tokens.customer_id) "
    "RETURNING customer_id"};
constexpr Query kRedeemEmailChange{
    "UPDATE sign_in_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 "
    "AND purpose = 'email_change' "
    "AND email = (SELECT email FROM customers WHERE customers.id = sign_in_tokens.customer_id) "
    "RETURNING customer_id, new_email"};
constexpr Query kPeek{
    "SELECT customer_id, new_email FROM sign_in_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 "
    "AND purpose = $3 AND email = (SELECT email FROM customers WHERE customers.id = sign_in_tokens.customer_id)"};
constexpr Query kVoidAll{"UPDATE sign_in_tokens SET used_at = $2 WHERE customer_id = $1 AND used_at IS NULL"};

}  // namespace

int SignInTokenRepository::voidAllFor(std::int64_t customer_id, Timestamp now) {
    return int(tx_.exec(kVoidAll, {customer_id, now}).affected);
}

void SignInTokenRepository::insert(const std::string& token_hash, std::int64_t customer_id, const std::string& purpose,
                                   const std::string& email, Timestamp now, Timestamp expires_at,
                                   const std::optional<std::string>& new_email) {
    tx_.exec(kInsert, {token_hash, customer_id, purpose, email, now, expires_at, nullable(new_email)});
}

std::optional<EmailChangeToken> SignInTokenRepository::redeemEmailChange(const std::string& token_hash, Timestamp now) {
    auto row = tx_.exec(kRedeemEmailChange, {token_hash, now}).first();
    if (!row) return std::nullopt;
    return EmailChangeToken{row->i64("customer_id"), row->opt("new_email").value_or("")};
}

std::optional<EmailChangeToken> SignInTokenRepository::peek(const std::string& token_hash, const std::string& purpose,
                                                            Timestamp now) {
    auto row = tx_.exec(kPeek, {token_hash, now, purpose}).first();
    if (!row) return std::nullopt;
    return EmailChangeToken{row->i64("customer_id"), row->opt("new_email").value_or("")};
}

std::optional<std::int64_t> SignInTokenRepository::redeem(const std::string& token_hash, Timestamp now) {
    auto row = tx_.exec(kRedeem, {token_hash, now}).first();
    if (!row) return std::nullopt;
    return row->i64("customer_id");
}

}  // namespace rsolv::storage
