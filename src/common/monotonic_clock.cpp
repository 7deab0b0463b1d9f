#include "common/monotonic_clock.h"

#include <algorithm>

namespace rsolv {

MonotonicClock& MonotonicClock::system() {
    static SteadyMonotonicClock clock;
    return clock;
}

void MonotonicClock::sleepFor(Duration d) {
    std::mutex m;
    std::condition_variable cv;
    std::unique_lock lock(m);
    waitFor(cv, lock, d, [] { return false; });
}

MonotonicClock::TimePoint ManualMonotonicClock::now() const {
    std::lock_guard lock(mutex_);
    return now_;
}

bool ManualMonotonicClock::waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                                     TimePoint deadline, const std::function<bool()>& done) {
    Waiter self{&cv, lock.mutex(), deadline};
    {
        std::lock_guard guard(mutex_);
        waiters_.push_back(&self);
    }
    changed_.notify_all();
    // The caller's mutex is held from here to the wait, and advance() takes it before notifying: no lost wake-up.
    cv.wait(lock, [&] { return done() || now() >= deadline; });
    {
        std::lock_guard guard(mutex_);
        waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &self));
    }
    changed_.notify_all();
    return done();
}

void ManualMonotonicClock::advance(Duration d) {
    std::vector<Waiter> woken;
    {
        std::lock_guard guard(mutex_);
        now_ += d;
        for (auto* w : waiters_) woken.push_back(*w);
    }
    changed_.notify_all();
    for (const auto& w : woken) {
        { std::lock_guard caller(*w.mutex); }
        w.cv->notify_all();
    }
}

int ManualMonotonicClock::sleepers() const {
    std::lock_guard guard(mutex_);
    return int(std::count_if(waiters_.begin(), waiters_.end(), [&](const Waiter* w) { return w->deadline > now_; }));
}

bool ManualMonotonicClock::waitForSleepers(int n, std::chrono::milliseconds timeout) {
    std::unique_lock guard(mutex_);
    return changed_.wait_for(guard, timeout, [&] {
        return std::count_if(waiters_.begin(), waiters_.end(), [&](const Waiter* w) { return w->deadline > now_; }) >= n;
    });
}

}  // namespace rsolv
