#pragma once

#include <utility>
#include <vector>

#include "domain/event_batch.h"
#include "storage/batch_repository.h"
#include "storage/new_job.h"

namespace rsolv::domain {

/// Jobs enqueued during one business operation and inserted in one statement at its end, in the same transaction
/// (so a job still exists exactly when the change that asked for it commits).
class JobBatch {
public:
    void add(const storage::NewJob& job);
    /// What was added; the batch is empty afterwards.
    std::vector<storage::JobRow> take() { return std::exchange(jobs_, {}); }

private:
    std::vector<storage::JobRow> jobs_;
};

/// Inserts both batches (a job whose unique key is taken is skipped, as enqueue() does) in one round trip on
/// PostgreSQL, and empties them. How many jobs were inserted.
int writeBatches(storage::Transaction& tx, JobBatch& jobs, EventBatch& events, Timestamp now);

}  // namespace rsolv::domain
