#include "domain/job_batch.h"

namespace rsolv::domain {

void JobBatch::add(const storage::NewJob& job) {
    jobs_.push_back({job.kind, job.payload.dump(), job.unique_key, job.run_at, job.max_attempts});
}

int writeBatches(storage::Transaction& tx, JobBatch& jobs, EventBatch& events, Timestamp now) {
    return storage::BatchRepository(tx).insert(jobs.take(), events.take(), now);
}

}  // namespace rsolv::domain
