#include "storage/verification_review_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kInsert{
    "INSERT INTO verification_reviews (customer_id, verified_at, sessions) VALUES ($1, $2, $3) "
    "ON CONFLICT (customer_id) DO NOTHING"};
constexpr Query kFind{
    "SELECT customer_id, verified_at, sessions, answered_at, answer FROM verification_reviews WHERE customer_id = $1"};
constexpr Query kAnswer{
    "UPDATE verification_reviews SET answered_at = $3, answer = $2 WHERE customer_id = $1 AND answered_at IS NULL"};

}  // namespace

void VerificationReviewRepository::insert(std::int64_t customer_id, Timestamp verified_at,
                                          const std::string& sessions_json) {
    tx_.exec(kInsert, {customer_id, verified_at, sessions_json});
}

std::optional<VerificationReviewRecord> VerificationReviewRepository::find(std::int64_t customer_id) {
    auto row = tx_.exec(kFind, {customer_id}).first();
    if (!row) return std::nullopt;
    return VerificationReviewRecord{row->i64("customer_id"), row->time("verified_at"), row->str("sessions"),
                                    row->optTime("answered_at"), row->opt("answer")};
}

bool VerificationReviewRepository::answer(std::int64_t customer_id, const std::string& answer, Timestamp now) {
    return tx_.exec(kAnswer, {customer_id, answer, now}).affected == 1;
}

}  // namespace rsolv::storage
