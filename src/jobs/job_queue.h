#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "storage/database.h"
#include "storage/job_repository.h"

namespace rsolv::jobs {

using Job = storage::JobRecord;

struct NewJob {
    std::string kind;
    nlohmann::json payload = nlohmann::json::object();
    std::optional<std::string> unique_key;  ///< one live job per key: the unique index is the arbiter
    Timestamp run_at;
    int max_attempts = 8;
};

/// Enqueues inside the caller's transaction, so a job exists exactly when the business change that asked for it
/// committed (rules.md #2). False when a job with the same unique key already exists.
bool enqueue(storage::Transaction& tx, const NewJob& job, Timestamp now);

/// Bounded exponential backoff with full jitter: a random delay in [base·2^(attempt-1) / 2, base·2^(attempt-1)],
/// never above `cap`. `unit_random` is in [0, 1).
struct RetryPolicy {
    Duration base = std::chrono::seconds(15);
    Duration cap = std::chrono::hours(1);
};
Duration backoffDelay(int attempt, const RetryPolicy& policy, double unit_random);

/// The worker's side of the queue: claim with a lease, keep it alive, and finish each job with its lease token.
class JobQueue {
public:
    JobQueue(storage::Database& db, const Clock& clock, std::string owner, Duration lease, RetryPolicy retry = {});

    std::vector<Job> claim(int max_jobs);
    /// False when the lease was lost (expired and rescued): the worker must not act on the job any more.
    bool heartbeat(const Job& job);
    bool complete(const Job& job, const std::optional<std::string>& new_payload = std::nullopt);
    /// Retry later with backoff, or dead when the attempts are used up. Returns the state it left the job in
    /// ("retryable" or "dead"), or nothing when the lease token was stale.
    /// `payload_if_dead` replaces the payload when the job dies (to erase a secret it no longer needs).
    std::optional<std::string> fail(const Job& job, const std::string& error,
                                    const std::optional<std::string>& payload_if_dead = std::nullopt);
    /// Dead at once (a permanent failure).
    bool bury(const Job& job, const std::string& error, const std::optional<std::string>& new_payload = std::nullopt);
    bool release(const Job& job);
    int rescueExpired();
    int pruneFinished(Duration older_than);

    const Clock& clock() const { return clock_; }
    storage::Database& database() { return db_; }

private:
    storage::Database& db_;
    const Clock& clock_;
    std::string owner_;
    Duration lease_;
    RetryPolicy retry_;
};

}  // namespace rsolv::jobs
