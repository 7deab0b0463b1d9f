#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace rsolv {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;
using Duration = std::chrono::microseconds;

/// Whole seconds since the Unix epoch, as signed links and form stamps carry time.
inline std::int64_t unixSeconds(Timestamp t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

/// The one source of "now" for every expiry, rate window and schedule, so tests can move time.
class Clock {
public:
    virtual ~Clock() = default;
    virtual Timestamp now() const = 0;
};

class SystemClock final : public Clock {
public:
    Timestamp now() const override {
        return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    }
};

/// A clock that stands still until a test moves it.
class ManualClock final : public Clock {
public:
    explicit ManualClock(Timestamp start) : now_(start.time_since_epoch().count()) {}
    Timestamp now() const override { return Timestamp(Duration(now_.load())); }
    void set(Timestamp t) { now_.store(t.time_since_epoch().count()); }
    void advance(Duration d) { now_.fetch_add(d.count()); }

private:
    std::atomic<Duration::rep> now_;
};

}  // namespace rsolv
