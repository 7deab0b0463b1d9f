#pragma once
// A job handler for the queue tests: remembers which jobs it ran (a job run twice shows up twice) and what it was
// told about dead jobs, and does what the test asks (succeed, retry, fail, block until released).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "jobs/worker.h"

namespace rsolv::test {

class RecordingHandler final : public jobs::JobHandler {
public:
    using Behaviour = std::function<jobs::JobOutcome(const jobs::Job&)>;
    /// A behaviour that also sees the job's lease (to confirm it before an outside effect, as a mailer job does).
    using LeaseBehaviour = std::function<jobs::JobOutcome(const jobs::Job&, jobs::JobLease&)>;

    explicit RecordingHandler(Behaviour behaviour = [](const jobs::Job&) { return jobs::JobOutcome::done(); })
        : behaviour_([b = std::move(behaviour)](const jobs::Job& j, jobs::JobLease&) { return b(j); }) {}
    static std::unique_ptr<RecordingHandler> withLease(LeaseBehaviour behaviour) {
        auto h = std::make_unique<RecordingHandler>();
        h->behaviour_ = std::move(behaviour);
        return h;
    }

    jobs::JobOutcome run(const jobs::Job& job, jobs::JobLease& lease) override {
        {
            std::lock_guard lock(mutex_);
            ran_.insert(job.id);
            attempts_seen_.push_back(job.attempts);
        }
        cv_.notify_all();
        return behaviour_(job, lease);
    }

    std::optional<std::string> onDead(storage::Transaction&, const jobs::Job& job, const std::string& error) override {
        std::lock_guard lock(mutex_);
        dead_.push_back({job.id, error});
        return std::nullopt;
    }

    std::multiset<std::int64_t> ran() const {
        std::lock_guard lock(mutex_);
        return ran_;
    }
    std::vector<int> attemptsSeen() const {
        std::lock_guard lock(mutex_);
        return attempts_seen_;
    }
    std::vector<std::pair<std::int64_t, std::string>> dead() const {
        std::lock_guard lock(mutex_);
        return dead_;
    }
    /// Waits until at least `n` runs were recorded; false on timeout.
    bool waitForRuns(size_t n, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [&] { return ran_.size() >= n; });
    }

private:
    LeaseBehaviour behaviour_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::multiset<std::int64_t> ran_;
    std::vector<int> attempts_seen_;
    std::vector<std::pair<std::int64_t, std::string>> dead_;
};

/// A gate a handler waits at until the test opens it.
class Gate {
public:
    void open() {
        {
            std::lock_guard lock(mutex_);
            open_ = true;
        }
        cv_.notify_all();
    }
    /// False when the gate stayed shut for `timeout` (so a broken test cannot hang forever).
    bool wait(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [&] { return open_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool open_ = false;
};

}  // namespace rsolv::test
