#include "storage/signup_challenge_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kMarkUsed{
    "INSERT INTO signup_challenges (id, expires_at, used_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING"};
constexpr Query kSignupsSince{
    "SELECT COUNT(*) AS n FROM provisioning_events WHERE event_type IN ('customer_created', 'signup_duplicate', "
    "'signup_rejected') AND created_at > $1"};
constexpr Query kPrune{"DELETE FROM signup_challenges WHERE expires_at <= $1"};

}  // namespace

bool SignupChallengeRepository::markUsed(const std::string& id, Timestamp expires_at, Timestamp now) {
    return tx_.exec(kMarkUsed, {id, expires_at, now}).affected == 1;
}

std::int64_t SignupChallengeRepository::signupsSince(Timestamp since) {
    return tx_.exec(kSignupsSince, {since}).front().i64("n");
}

int SignupChallengeRepository::pruneExpired(Timestamp now) { return int(tx_.exec(kPrune, {now}).affected); }

}  // namespace rsolv::storage
