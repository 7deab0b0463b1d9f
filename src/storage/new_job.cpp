#include "storage/new_job.h"

#include "storage/job_repository.h"

namespace rsolv::storage {

bool enqueue(Transaction& tx, const NewJob& job, Timestamp now) {
    return JobRepository(tx).insert(job.kind, job.payload.dump(), job.unique_key, job.run_at, job.max_attempts, now);
}

}  // namespace rsolv::storage
