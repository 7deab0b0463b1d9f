#include "storage/rate_limit_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kWindow{"SELECT COUNT(*) AS n, MIN(at) AS oldest FROM rate_limit_hits WHERE bucket = $1 AND at > $2"};
constexpr Query kHit{"INSERT INTO rate_limit_hits (bucket, at) VALUES ($1, $2)"};
constexpr Query kPrune{"DELETE FROM rate_limit_hits WHERE at <= $1"};
constexpr Query kPruneBucket{"DELETE FROM rate_limit_hits WHERE bucket = $1 AND at <= $2"};

}  // namespace

RateLimitRepository::Window RateLimitRepository::window(const std::string& bucket, Timestamp since) {
    const auto row = tx_.exec(kWindow, {bucket, since}).front();
    return {row.i64("n"), row.optTime("oldest")};
}

void RateLimitRepository::hit(const std::string& bucket, Timestamp at) { tx_.exec(kHit, {bucket, at}); }

int RateLimitRepository::pruneBefore(Timestamp before) { return int(tx_.exec(kPrune, {before}).affected); }

}  // namespace rsolv::storage

namespace rsolv::storage {

void RateLimitRepository::prune(const std::string& bucket, Timestamp before) { tx_.exec(kPruneBucket, {bucket, before}); }

}  // namespace rsolv::storage
