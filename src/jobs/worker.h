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

#include "common/monotonic_clock.h"
#include "jobs/job_queue.h"

namespace rsolv::jobs {

/// What a handler made of a job.
struct JobOutcome {
    /// Defer: give the job back without spending its attempt (the outside system is down, not the job's fault).
    /// Abandon: the lease was lost; another worker owns the job now, so this one touches nothing.
    enum class Kind { Done, Retry, Fail, Defer, Abandon };
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
    static JobOutcome defer(std::string error) { return {Kind::Defer, std::move(error), std::nullopt}; }
    static JobOutcome abandon(std::string why) { return {Kind::Abandon, std::move(why), std::nullopt}; }
};

/// A running job's hold on its lease, for the handler to check right before an effect outside the database.
class JobLease {
public:
    virtual ~JobLease() = default;
    /// Extends the lease, fenced by its token. False when it was lost (expired and rescued): the handler must do
    /// nothing outside and return JobOutcome::abandon.
    virtual bool confirm() = 0;
};

/// Runs one kind of job. It may run more than once for the same job (at-least-once): make its effects idempotent.
/// An exception counts as a retry.
/// It also hears about its jobs' deaths (DeadLetterHandler), however they died.
class JobHandler : public DeadLetterHandler {
public:
    virtual JobOutcome run(const Job& job, JobLease& lease) = 0;
    /// False while the handler cannot run its jobs at all (its outside system is down): the worker leaves them in
    /// the queue, so they spend no attempts. Asked before every claim; it may probe the outside system when due.
    virtual bool ready() { return true; }
};

struct WorkerOptions {
    int threads = 2;
    int batch = 10;
    Duration poll_interval = std::chrono::milliseconds(250);
    Duration heartbeat_interval{0};  ///< 0: a third of the queue's lease
    Duration maintenance_interval = std::chrono::seconds(15);  ///< rescue expired leases, prune finished jobs
    Duration keep_finished = std::chrono::hours(24 * 7);
};

/// Worker threads on their own pool (never the HTTP one): claim, run, finish; a heartbeat thread keeps leases alive.
class Worker {
public:
    /// `ticks` times polls, heartbeats and maintenance (tests pass a ManualMonotonicClock).
    Worker(JobQueue& queue, WorkerOptions options, MonotonicClock& ticks = MonotonicClock::system());
    ~Worker();

    /// Runs jobs of `kind` with `handler`, and registers it with the queue for their deaths.
    void addHandler(const std::string& kind, JobHandler& handler);
    /// Runs with the lease rescue every maintenance_interval (pruning expired rows, for example).
    void addMaintenance(std::function<void()> task) { maintenance_.push_back(std::move(task)); }
    void start();
    /// SIGTERM: stop claiming, give running jobs `grace` to finish, give back jobs claimed but not started.
    /// Jobs still running after that keep their lease until it expires and another worker rescues them.
    void stop(Duration grace = std::chrono::seconds(20));
    /// The first step of stop(): claim nothing more, give back what is claimed but not started; returns at once.
    void requestStop();
    /// Waits (on the worker's clock) up to `grace` for the running jobs to end; true when none runs.
    bool waitIdle(Duration grace);
    /// The last step of stop(): waits for the running jobs to end and the threads to exit.
    void join();
    /// Wakes the workers now (after an enqueue, or a test moving the clock).
    void wake();

    /// Runs due jobs on the calling thread until none is due; returns how many ran. For tests and `worker --once`.
    int drain();

    /// Every job this worker holds a lease on (running, or claimed and waiting its turn).
    std::size_t held() const;

private:
    struct Held {
        Job job;
        MonotonicClock::TimePoint confirmed_at;  ///< when its lease was last extended
        bool lost = false;
    };
    class HeldLease;

    void loop();
    void heartbeatLoop();
    void heartbeatRound();
    Duration heartbeatInterval() const;
    int runBatch();
    std::string unreadyKinds();
    bool stillHeld(const Job& job);
    bool confirmLease(const Job& job);
    void finish(const Job& job, const JobOutcome& outcome);
    void runOne(const Job& job);
    void forget(const Job& job);
    void giveBack(const std::vector<Job>& jobs, std::size_t from);

    JobQueue& queue_;
    WorkerOptions options_;
    MonotonicClock& ticks_;
    std::map<std::string, JobHandler*> handlers_;
    std::vector<std::function<void()>> maintenance_;
    std::vector<std::thread> threads_;
    std::thread heartbeat_;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::condition_variable idle_cv_;
    std::map<std::int64_t, Held> held_;
    int running_ = 0;
    int wakeups_ = 0;
};

}  // namespace rsolv::jobs
