#include "storage/fix_attempt_stats_repository.h"

namespace rsolv::storage {
namespace {

constexpr Query kStartedSince{
    "SELECT created_at FROM fix_attempts WHERE customer_id = $1 AND created_at >= $2 ORDER BY created_at"};

}  // namespace

std::vector<Timestamp> FixAttemptStatsRepository::startedSince(std::int64_t customer_id, Timestamp since) {
    const auto rs = tx_.exec(kStartedSince, {customer_id, since});
    std::vector<Timestamp> out;
    out.reserve(rs.size());
    for (size_t i = 0; i < rs.size(); ++i) out.push_back(rs[i].time("created_at"));
    return out;
}

}  // namespace rsolv::storage
