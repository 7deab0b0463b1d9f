#include "storage/retention.h"

#include "storage/idempotency_repository.h"
#include "storage/rate_limit_repository.h"
#include "storage/signup_challenge_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kSessions{"DELETE FROM sessions WHERE expires_at <= $1"};
constexpr Query kFlashes{"DELETE FROM flashes WHERE expires_at <= $1"};
constexpr Query kSignInTokens{"DELETE FROM sign_in_tokens WHERE expires_at <= $1"};

}  // namespace

int pruneExpiredRows(Transaction& tx, Timestamp now, Duration longest_rate_window) {
    int n = RateLimitRepository(tx).pruneBefore(now - longest_rate_window);
    n += IdempotencyRepository(tx).pruneExpired(now);
    n += SignupChallengeRepository(tx).pruneExpired(now);
    n += int(tx.exec(kFlashes, {now}).affected);
    n += int(tx.exec(kSessions, {now}).affected);
    n += int(tx.exec(kSignInTokens, {now - std::chrono::hours(24 * 7)}).affected);
    return n;
}

}  // namespace rsolv::storage
