#include "storage/sign_in_token_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kInsert{
    "INSERT INTO sign_in_tokens (token_hash, customer_id, purpose, email, created_at, expires_at) "
    "VALUES ($1, $2, $3, $4, $5, $6)"};
constexpr Query kRedeem{
    "UPDATE sign_in_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 "
    "AND email = (SELECT email FROM customers WHERE customers.id = sign_in_tokens.customer_id) "
    "RETURNING customer_id"};

}  // namespace

void SignInTokenRepository::insert(const std::string& token_hash, std::int64_t customer_id, const std::string& purpose,
                                   const std::string& email, Timestamp now, Timestamp expires_at) {
    tx_.exec(kInsert, {token_hash, customer_id, purpose, email, now, expires_at});
}

std::optional<std::int64_t> SignInTokenRepository::redeem(const std::string& token_hash, Timestamp now) {
    auto row = tx_.exec(kRedeem, {token_hash, now}).first();
    if (!row) return std::nullopt;
    return row->i64("customer_id");
}

}  // namespace rsolv::storage
