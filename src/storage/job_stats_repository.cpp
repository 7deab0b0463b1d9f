#include "storage/job_stats_repository.h"

namespace rsolv::storage {
namespace {

/// Served by the partial index jobs_state_kind (migration 0012) alone. Completed jobs are most of the table (until
/// retention removes them) and counting them row by row was most of a scrape's cost: they are left out.
constexpr Query kCountByKindAndState{
    "SELECT kind, state, COUNT(*) AS n FROM jobs WHERE state <> 'completed' GROUP BY kind, state"};

/// Served by the partial index jobs_due.
constexpr Query kOldestDue{
    "SELECT kind, MIN(run_at) AS oldest FROM jobs WHERE state IN ('available', 'retryable') AND run_at <= $1 "
    "GROUP BY kind"};

}  // namespace

JobStats readJobStats(Transaction& tx, Timestamp now) {
    JobStats stats;
    const auto counts = tx.exec(kCountByKindAndState);
    for (size_t i = 0; i < counts.size(); ++i) {
        const auto row = counts[i];
        stats.counts[{row.str("kind"), row.str("state")}] = row.i64("n");
    }
    const auto due = tx.exec(kOldestDue, {now});
    for (size_t i = 0; i < due.size(); ++i) {
        const auto row = due[i];
        stats.oldest_due[row.str("kind")] = row.time("oldest");
    }
    return stats;
}

}  // namespace rsolv::storage
