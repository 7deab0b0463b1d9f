#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "common/clock.h"

namespace rsolv {

/// Time that only goes forward, for intervals and timeouts inside a process (heartbeats, polls, probes, backoff),
/// as opposed to Clock, the wall time of expiries stored in the database. Tests inject ManualMonotonicClock and move it.
class MonotonicClock {
public:
    using TimePoint = std::chrono::steady_clock::time_point;
    virtual ~MonotonicClock() = default;
    virtual TimePoint now() const = 0;
    /// Waits on `cv` (`lock` held, as for condition_variable::wait) until `done()` is true or this clock reaches
    /// `deadline`; returns done(). Whoever makes done() true must notify `cv`.
    virtual bool waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, TimePoint deadline,
                           const std::function<bool()>& done) = 0;
    bool waitFor(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, Duration timeout,
                 const std::function<bool()>& done) {
        return waitUntil(cv, lock, now() + timeout, done);
    }
    /// Pauses the calling thread for `d` of this clock's time.
    void sleepFor(Duration d);

    /// The process's steady clock (stateless, shared).
    static MonotonicClock& system();
};

class SteadyMonotonicClock final : public MonotonicClock {
public:
    TimePoint now() const override { return std::chrono::steady_clock::now(); }
    bool waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, TimePoint deadline,
                   const std::function<bool()>& done) override {
        return cv.wait_until(lock, deadline, done);
    }
};

/// Stands still until a test moves it; every thread waiting on it re-checks its deadline when it moves.
class ManualMonotonicClock final : public MonotonicClock {
public:
    TimePoint now() const override;
    bool waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, TimePoint deadline,
                   const std::function<bool()>& done) override;
    void advance(Duration d);
    /// Blocks (real time, at most `timeout`) until at least `n` threads wait on this clock for a deadline still
    /// ahead of it: the explicit step a test takes after advance() to know the woken threads have done their work.
    bool waitForSleepers(int n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Threads waiting on this clock for a deadline still ahead.
    int sleepers() const;

private:
    struct Waiter {
        std::condition_variable* cv;
        std::mutex* mutex;
        TimePoint deadline;
    };
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    TimePoint now_{std::chrono::hours(1)};
    std::vector<Waiter*> waiters_;
};

}  // namespace rsolv
