#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "storage/database.h"
#include "storage/job_repository.h"
#include "storage/new_job.h"

namespace rsolv::jobs {

using Job = storage::JobRecord;

// The domain enqueues through storage (storage/new_job.h); the jobs layer and its tests name them from here.
using storage::enqueue;
using storage::NewJob;

/// Bounded exponential backoff with full jitter: a random delay in [base·2^(attempt-1) / 2, base·2^(attempt-1)],
/// never above `cap`. `unit_random` is in [0, 1).
struct RetryPolicy {
    Duration base = std::chrono::seconds(15);
    Duration cap = std::chrono::hours(1);
};
Duration backoffDelay(int attempt, const RetryPolicy& policy, double unit_random);

/// Told when a job of its kind dies for good, inside the transaction that makes it dead, so what it records commits
/// with the death and is never lost or doubled. Whether the job died of its last failed attempt, of a permanent
/// failure, or of a lease rescue after its worker kept dying. Returns a payload to keep instead (to erase a secret
/// the job no longer needs), or nothing to keep the payload as it is.
class DeadLetterHandler {
public:
    virtual ~DeadLetterHandler() = default;
    virtual std::optional<std::string> onDead(storage::Transaction& tx, const Job& job, const std::string& error) {
        return std::nullopt;
    }
};

/// The worker's side of the queue: claim with a lease, keep it alive, and finish each job with its lease token.
class JobQueue {
public:
    JobQueue(storage::Database& db, const Clock& clock, std::string owner, Duration lease, RetryPolicy retry = {});

    /// Registers who hears about dead jobs of `kind` (at most one handler per kind; it must outlive the queue).
    void onDead(const std::string& kind, DeadLetterHandler& handler) { dead_letters_[kind] = &handler; }

    /// Up to `max_jobs` due jobs, none of the kinds in `skip_kinds` (",kind,kind," or empty).
    std::vector<Job> claim(int max_jobs, const std::string& skip_kinds = "");
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
    /// Gives a job back without spending its attempt, noting why (its outside system is down): due again at once.
    bool defer(const Job& job, const std::string& error);
    Duration lease() const { return lease_; }
    /// Takes back jobs whose lease expired: retryable, or dead when their attempts are used up. Returns how many.
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
    std::map<std::string, DeadLetterHandler*> dead_letters_;

    void buried(storage::Transaction& tx, const Job& job, const std::string& error);
};

}  // namespace rsolv::jobs
