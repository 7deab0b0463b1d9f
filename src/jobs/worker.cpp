#include "jobs/worker.h"

#include <spdlog/spdlog.h>

namespace rsolv::jobs {

/// The lease of one held job, as its handler sees it.
class Worker::HeldLease final : public JobLease {
public:
    HeldLease(Worker& worker, const Job& job) : worker_(worker), job_(job) {}
    bool confirm() override { return worker_.confirmLease(job_); }

private:
    Worker& worker_;
    const Job& job_;
};

Worker::Worker(JobQueue& queue, WorkerOptions options, MonotonicClock& ticks)
    : queue_(queue), options_(options), ticks_(ticks) {}

Worker::~Worker() { stop(std::chrono::seconds(0)); }

void Worker::addHandler(const std::string& kind, JobHandler& handler) {
    handlers_[kind] = &handler;
    queue_.onDead(kind, handler);
}

Duration Worker::heartbeatInterval() const {
    if (options_.heartbeat_interval.count() > 0) return options_.heartbeat_interval;
    return std::max<Duration>(queue_.lease() / 3, std::chrono::milliseconds(10));
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

void Worker::requestStop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
}

void Worker::join() {
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
    if (heartbeat_.joinable()) heartbeat_.join();
}

bool Worker::waitIdle(Duration grace) {
    std::unique_lock lock(mutex_);
    if (ticks_.waitFor(idle_cv_, lock, grace, [&] { return running_ == 0; })) return true;
    spdlog::warn("{} job(s) still running after the grace period; waiting for them (a second signal or a "
                 "kill is safe: their leases expire and another worker rescues them)",
                 running_);
    return false;
}

void Worker::stop(Duration grace) {
    if (threads_.empty() && !heartbeat_.joinable()) return;
    requestStop();
    waitIdle(grace);
    join();
}

std::size_t Worker::held() const {
    std::lock_guard lock(mutex_);
    return held_.size();
}

void Worker::loop() {
    auto last_maintenance = ticks_.now() - options_.maintenance_interval;
    while (!stopping_) {
        try {
            if (ticks_.now() - last_maintenance >= options_.maintenance_interval) {
                last_maintenance = ticks_.now();
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
        ticks_.waitFor(cv_, lock, options_.poll_interval, [&] { return stopping_ || wakeups_ != seen; });
    }
}

void Worker::heartbeatLoop() {
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            // With a predicate, a notify that came while heartbeats were being sent is not lost.
            ticks_.waitFor(cv_, lock, heartbeatInterval(), [&] { return stopping_ && held_.empty(); });
            if (stopping_ && held_.empty()) return;
        }
        heartbeatRound();
    }
}

/// Extends the lease of every job this worker holds, not only the running one: the others of its batch wait their
/// turn under the same lease, and a lease that lapsed would let another worker rescue and run them too.
void Worker::heartbeatRound() {
    std::vector<Job> jobs;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [id, held] : held_)
            if (!held.lost) jobs.push_back(held.job);
    }
    for (const auto& job : jobs) {
        try {
            confirmLease(job);
        } catch (const std::exception& e) {
            spdlog::warn("heartbeat for job {} failed: {}", job.id, e.what());
        }
    }
}

bool Worker::confirmLease(const Job& job) {
    const auto when = ticks_.now();
    const bool ok = queue_.heartbeat(job);
    std::lock_guard lock(mutex_);
    const auto it = held_.find(job.id);
    if (it == held_.end()) return ok;  // finished between the copy and the heartbeat: nothing was lost
    if (ok) {
        it->second.confirmed_at = when;
    } else if (!it->second.lost) {
        it->second.lost = true;
        spdlog::warn("job {} ({}) lost its lease; this worker leaves it alone", job.id, job.kind);
    }
    return ok;
}

/// Whether the job may start: its lease is not known to be lost, and is confirmed again when no heartbeat has
/// extended it for a heartbeat interval (the heartbeat thread may have been slow, or the database away).
bool Worker::stillHeld(const Job& job) {
    MonotonicClock::TimePoint confirmed_at;
    {
        std::lock_guard lock(mutex_);
        const auto it = held_.find(job.id);
        if (it == held_.end() || it->second.lost) return false;
        confirmed_at = it->second.confirmed_at;
    }
    if (ticks_.now() - confirmed_at < heartbeatInterval()) return true;
    return confirmLease(job);
}

std::string Worker::unreadyKinds() {
    std::string skip;
    std::map<JobHandler*, bool> asked;  // one handler often runs several kinds: ask it once
    for (const auto& [kind, handler] : handlers_) {
        auto it = asked.find(handler);
        if (it == asked.end()) {
            bool ready = true;
            try {
                ready = handler->ready();
            } catch (const std::exception& e) {
                spdlog::warn("handler for {} could not tell whether it is ready: {}", kind, e.what());
            }
            it = asked.emplace(handler, ready).first;
        }
        if (!it->second) skip += (skip.empty() ? "," : "") + kind + ",";
    }
    return skip;
}

int Worker::runBatch() {
    auto jobs = queue_.claim(options_.batch, unreadyKinds());
    if (jobs.empty()) return 0;
    {
        std::lock_guard lock(mutex_);
        const auto now = ticks_.now();
        for (const auto& job : jobs) held_[job.id] = Held{job, now, false};
    }
    int ran = 0;
    for (size_t i = 0; i < jobs.size(); ++i) {
        if (stopping_) {
            giveBack(jobs, i);
            break;
        }
        bool held = false;
        try {
            held = stillHeld(jobs[i]);
        } catch (const std::exception& e) {
            // Not known to be ours: leave it; its lease expires and a worker rescues it.
            spdlog::warn("job {} ({}) not started: its lease could not be confirmed: {}", jobs[i].id, jobs[i].kind,
                         e.what());
        }
        if (!held) {
            spdlog::warn("job {} ({}) not started: its lease was lost", jobs[i].id, jobs[i].kind);
            forget(jobs[i]);
            continue;
        }
        runOne(jobs[i]);
        ++ran;
    }
    return ran;
}

void Worker::giveBack(const std::vector<Job>& jobs, std::size_t from) {
    for (std::size_t j = from; j < jobs.size(); ++j) {
        try {
            queue_.release(jobs[j]);
        } catch (const std::exception& e) {
            spdlog::warn("could not release job {}: {}", jobs[j].id, e.what());
        }
        forget(jobs[j]);
    }
}

void Worker::forget(const Job& job) {
    {
        std::lock_guard lock(mutex_);
        held_.erase(job.id);
    }
    cv_.notify_all();  // lets the heartbeat thread see that nothing is held any more
}

void Worker::runOne(const Job& job) {
    {
        std::lock_guard lock(mutex_);
        ++running_;
    }
    JobOutcome outcome;
    auto it = handlers_.find(job.kind);
    if (it == handlers_.end()) {
        outcome = JobOutcome::fail("no handler for job kind " + job.kind);
    } else {
        try {
            HeldLease lease(*this, job);
            outcome = it->second->run(job, lease);
        } catch (const std::exception& e) {
            outcome = JobOutcome::retry(e.what());
        }
    }
    finish(job, outcome);
    forget(job);
    {
        std::lock_guard lock(mutex_);
        --running_;
    }
    idle_cv_.notify_all();
}

void Worker::finish(const Job& job, const JobOutcome& outcome) {
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
            case JobOutcome::Kind::Defer:
                queue_.defer(job, outcome.error);
                spdlog::debug("job {} ({}) deferred: {}", job.id, job.kind, outcome.error);
                break;
            case JobOutcome::Kind::Abandon:
                spdlog::warn("job {} ({}) abandoned: {}", job.id, job.kind, outcome.error);
                break;
        }
    } catch (const std::exception& e) {
        spdlog::error("could not record the outcome of job {}: {}; its lease will expire and it will run again",
                      job.id, e.what());
    }
}

int Worker::drain() {
    int total = 0;
    queue_.rescueExpired();
    while (const int n = runBatch()) total += n;
    return total;
}

}  // namespace rsolv::jobs
