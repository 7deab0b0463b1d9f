#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "jobs/job_queue.h"

namespace rsolv::jobs {

/// What a handler made of a job.
struct JobOutcome {
    enum class Kind { Done, Retry, Fail };
    Kind kind = Kind::Done;
    std::string error;
    /// Replaces the stored payload when the job ends (done, or dead), e.g. to erase a secret; a retry keeps it.
    std::optional<std::string> new_payload;

    static JobOutcome done(std::optional<std::string> payload = std::nullopt) {
        return {Kind::Done, {}, std::move(payload)};
    }
    static JobOutcome retry(std::string error, std::optional<std::string> payload_if_dead = std::nullopt) {
        return {Kind::Retry, std::move(error), std::move(payload_if_dead)};
    }
    static JobOutcome fail(std::string error, std::optional<std::string> payload = std::nullopt) {
        return {Kind::Fail, std::move(error), std::move(payload)};
    }
};

/// Runs one kind of job. It may run more than once for the same job (at-least-once): make its effects idempotent.
/// An exception counts as a retry.
/// It also hears about its jobs' deaths (DeadLetterHandler), however they died.
class JobHandler : public DeadLetterHandler {
public:
    virtual JobOutcome run(const Job& job) = 0;
};

struct WorkerOptions {
    int threads = 2;
    int batch = 10;
    Duration poll_interval = std::chrono::milliseconds(250);
    Duration heartbeat_interval = std::chrono::seconds(10);
    Duration maintenance_interval = std::chrono::seconds(15);  ///< rescue expired leases, prune finished jobs
    Duration keep_finished = std::chrono::hours(24 * 7);
};

/// Worker threads on their own pool (never the HTTP one): claim, run, finish; a heartbeat thread keeps leases alive.
class Worker {
public:
    Worker(JobQueue& queue, WorkerOptions options);
    ~Worker();

    /// Runs jobs of `kind` with `handler`, and registers it with the queue for their deaths.
    void addHandler(const std::string& kind, JobHandler& handler);
    /// Runs with the lease rescue every maintenance_interval (pruning expired rows, for example).
    void addMaintenance(std::function<void()> task) { maintenance_.push_back(std::move(task)); }
    void start();
    /// SIGTERM: stop claiming, give running jobs `grace` to finish, give back jobs claimed but not started.
    /// Jobs still running after that keep their lease until it expires and another worker rescues them.
    void stop(Duration grace = std::chrono::seconds(20));
    /// Wakes the workers now (after an enqueue, or a test moving the clock).
    void wake();

    /// Runs due jobs on the calling thread until none is due; returns how many ran. For tests and `worker --once`.
    int drain();

private:
    void loop();
    void heartbeatLoop();
    int runBatch();
    void runOne(const Job& job);

    JobQueue& queue_;
    WorkerOptions options_;
    std::map<std::string, JobHandler*> handlers_;
    std::vector<std::function<void()>> maintenance_;
    std::vector<std::thread> threads_;
    std::thread heartbeat_;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::condition_variable cv_;
    std::condition_variable idle_cv_;
    std::map<std::int64_t, Job> running_;
    int wakeups_ = 0;
};

}  // namespace rsolv::jobs
