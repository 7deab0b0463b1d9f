#include "domain/job_batch.h"

namespace rsolv::domain {

void JobBatch::add(const storage::NewJob& job) {
    jobs_.push_back({job.kind, job.payload.dump(), job.unique_key, job.run_at, job.max_attempts});
}

int JobBatch::write(storage::Transaction& tx, Timestamp now) {
    const int n = storage::BatchRepository(tx).insertJobs(jobs_, now);
    jobs_.clear();
    return n;
}

}  // namespace rsolv::domain
