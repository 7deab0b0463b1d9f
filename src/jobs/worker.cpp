#include "jobs/worker.h"

#include <spdlog/spdlog.h>

namespace rsolv::jobs {

Worker::Worker(JobQueue& queue, WorkerOptions options) : queue_(queue), options_(options) {}

Worker::~Worker() { stop(std::chrono::seconds(0)); }

void Worker::addHandler(const std::string& kind, JobHandler& handler) {
    handlers_[kind] = &handler;
    queue_.onDead(kind, handler);
}

void Worker::start() {
    stopping_ = false;
    for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { loop(); });
    heartbeat_ = std::thread([this] { heartbeatLoop(); });
}

void Worker::wake() {
    {
        std::lock_guard lock(mutex_);
        ++wakeups_;
    }
    cv_.notify_all();
}

void Worker::stop(Duration grace) {
    if (threads_.empty() && !heartbeat_.joinable()) return;
    stopping_ = true;
    cv_.notify_all();
    {
        std::unique_lock lock(mutex_);
        idle_cv_.wait_for(lock, grace, [&] { return running_.empty(); });
        if (!running_.empty())
            spdlog::warn("{} job(s) still running after the grace period; waiting for them (a second signal or a "
                         "kill is safe: their leases expire and another worker rescues them)",
                         running_.size());
    }
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
    if (heartbeat_.joinable()) heartbeat_.join();
}

void Worker::loop() {
    auto last_maintenance = std::chrono::steady_clock::now() - options_.maintenance_interval;
    while (!stopping_) {
        try {
            if (std::chrono::steady_clock::now() - last_maintenance >= options_.maintenance_interval) {
                last_maintenance = std::chrono::steady_clock::now();
                if (const int n = queue_.rescueExpired()) spdlog::warn("rescued {} job(s) with expired leases", n);
                queue_.pruneFinished(options_.keep_finished);
                for (const auto& task : maintenance_) task();
            }
            if (runBatch() > 0) continue;
        } catch (const std::exception& e) {
            spdlog::error("job worker: {}", e.what());
        }
        std::unique_lock lock(mutex_);
        const int seen = wakeups_;
        cv_.wait_for(lock, options_.poll_interval, [&] { return stopping_ || wakeups_ != seen; });
    }
}

void Worker::heartbeatLoop() {
    for (;;) {
        std::vector<Job> jobs;
        {
            std::unique_lock lock(mutex_);
            // With a predicate, a notify that came while heartbeats were being sent is not lost.
            cv_.wait_for(lock, options_.heartbeat_interval, [&] { return stopping_ && running_.empty(); });
            if (stopping_ && running_.empty()) return;
            for (const auto& [id, job] : running_) jobs.push_back(job);
        }
        for (const auto& job : jobs) {
            try {
                if (!queue_.heartbeat(job)) {
                    std::lock_guard lock(mutex_);
                    // Finished between the copy and the heartbeat: nothing was lost.
                    if (running_.count(job.id)) spdlog::warn("job {} lost its lease", job.id);
                }
            } catch (const std::exception& e) {
                spdlog::warn("heartbeat for job {} failed: {}", job.id, e.what());
            }
        }
    }
}

int Worker::runBatch() {
    auto jobs = queue_.claim(options_.batch);
    int ran = 0;
    for (size_t i = 0; i < jobs.size(); ++i) {
        if (stopping_) {
            for (size_t j = i; j < jobs.size(); ++j) {
                try {
                    queue_.release(jobs[j]);
                } catch (const std::exception& e) {
                    spdlog::warn("could not release job {}: {}", jobs[j].id, e.what());
                }
            }
            break;
        }
        runOne(jobs[i]);
        ++ran;
    }
    return ran;
}

void Worker::runOne(const Job& job) {
    {
        std::lock_guard lock(mutex_);
        running_.emplace(job.id, job);
    }
    JobOutcome outcome;
    auto it = handlers_.find(job.kind);
    if (it == handlers_.end()) {
        outcome = JobOutcome::fail("no handler for job kind " + job.kind);
    } else {
        try {
            outcome = it->second->run(job);
        } catch (const std::exception& e) {
            outcome = JobOutcome::retry(e.what());
        }
    }
    try {
        switch (outcome.kind) {
            case JobOutcome::Kind::Done:
                if (!queue_.complete(job, outcome.new_payload))
                    spdlog::warn("job {} finished after its lease was lost; the result was not recorded", job.id);
                break;
            case JobOutcome::Kind::Retry: {
                const auto state = queue_.fail(job, outcome.error, outcome.new_payload);
                if (state) spdlog::warn("job {} ({}) attempt {} failed: {}", job.id, job.kind, job.attempts, outcome.error);
                break;
            }
            case JobOutcome::Kind::Fail:
                queue_.bury(job, outcome.error, outcome.new_payload);
                spdlog::error("job {} ({}) failed permanently: {}", job.id, job.kind, outcome.error);
                break;
        }
    } catch (const std::exception& e) {
        spdlog::error("could not record the outcome of job {}: {}; its lease will expire and it will run again",
                      job.id, e.what());
    }
    {
        std::lock_guard lock(mutex_);
        running_.erase(job.id);
    }
    idle_cv_.notify_all();
    if (stopping_) cv_.notify_all();  // lets the heartbeat thread see that nothing runs any more
}

int Worker::drain() {
    int total = 0;
    queue_.rescueExpired();
    while (const int n = runBatch()) total += n;
    return total;
}

}  // namespace rsolv::jobs
