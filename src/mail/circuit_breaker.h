#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

#include "common/monotonic_clock.h"

namespace rsolv::mail {

struct BreakerSettings {
    int failure_threshold = 5;                            ///< transport failures in a row that open it
    Duration probe_interval = std::chrono::seconds(15);  ///< how often an open breaker lets one probe through
};

/// One mail transport's health, shared by every worker thread of a process. Closed: mail goes out. After
/// `failure_threshold` transport failures in a row (no connection, a session refused, 4xx replies) it opens: no mail
/// goes out through it, and once per `probe_interval` one caller gets to probe the server; a probe or send that gets
/// through closes it again.
class CircuitBreaker {
public:
    enum class State { Closed, Open, Probing };

    CircuitBreaker(BreakerSettings settings, MonotonicClock& ticks) : settings_(settings), ticks_(ticks) {}

    bool closed() const;
    /// True for exactly one caller when the breaker is open and a probe is due (it then is Probing until that
    /// caller reports success or failure).
    bool claimProbe();
    void recordSuccess();
    /// A transport failure; returns true when this one opened the breaker.
    bool recordFailure();
    State state() const;

    /// How many times it opened (a counter for metrics).
    std::uint64_t timesOpened() const { return times_opened_.load(); }

private:
    BreakerSettings settings_;
    MonotonicClock& ticks_;
    mutable std::mutex mutex_;
    State state_ = State::Closed;
    int failures_ = 0;
    MonotonicClock::TimePoint next_probe_{};
    std::atomic<std::uint64_t> times_opened_{0};
};

}  // namespace rsolv::mail
