#pragma once

#include <vector>

#include "storage/batch_repository.h"
#include "storage/new_job.h"

namespace rsolv::domain {

/// Jobs enqueued during one business operation and inserted in one statement at its end, in the same transaction
/// (so a job still exists exactly when the change that asked for it commits).
class JobBatch {
public:
    void add(const storage::NewJob& job);
    /// Inserts what was added (a unique key already taken is skipped, as enqueue() does), then forgets it.
    int write(storage::Transaction& tx, Timestamp now);

private:
    std::vector<storage::JobRow> jobs_;
};

}  // namespace rsolv::domain
