#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "domain/api_access.h"
#include "storage/database.h"

namespace rsolv::domain {

/// Per-second request counts: second since the epoch -> accepted requests.
using SecondCounts = std::map<std::int64_t, std::int64_t>;

/// The per-key limit's answer for one request.
struct WindowDecision {
    bool allowed = false;
    Duration retry_after{};  ///< when refused: until enough of the window's oldest seconds have left it
};

/// The sliding window over per-second counts (several maps: the shared row, the counts being flushed, the new ones).
/// The bucket of the second that the window starts in is counted whole: no span of `window` ever holds more than
/// `limit` accepted requests; a request may be refused up to one second early, never let through late.
WindowDecision slideWindow(std::initializer_list<const SecondCounts*> counts, int limit, Duration window,
                           Timestamp now);


/// The per-key request limit and the key's usage notes, kept in memory and shared through the database in batches.
///
/// Each process counts the requests it accepts per key and second. flush() (every 250 ms in `serve`, and at shutdown)
/// adds those counts to the key's window row in one write transaction for all keys, and reads back the row, which then
/// holds every instance's flushed counts. A request is accepted when the last row read plus this process's counts not
/// yet in it stay under the limit. With N instances the row is at most one flush interval old on each, so in the worst
/// case (a burst shared evenly across all instances within one interval) N x limit requests are accepted in a minute;
/// with steady traffic the overshoot is what the other instances accept in about two flush intervals.
///
/// last_used_at and the first-call event are written by flush() too, in the same transaction.
class ApiUsage {
public:
    /// Counts one request of `key_id` when its window (shared row + local counts) has room.
    WindowDecision admit(std::int64_t key_id, int limit, Timestamp now);
    /// Asks flush() to write last_used_at = `when` and, when `first`, to note the customer's first API call.
    void noteUse(std::int64_t key_id, std::int64_t customer_id, const std::string& display_id, bool first,
                 Timestamp when, Duration last_used_interval);
    /// Writes what was counted and noted since the last flush, in one transaction, and reads back the shared windows
    /// of the keys used in the last minute. On a database error nothing is lost: the next flush tries again.
    void flush(storage::Database& db, Timestamp now);

private:
    struct Window {
        SecondCounts shared;    ///< the row as last read (every instance's flushed counts)
        SecondCounts flushing;  ///< counts being written by a flush in progress
        SecondCounts pending;   ///< counts since
        Timestamp last_request{};
    };
    struct Use {
        std::int64_t customer_id = 0;
        std::string display_id;
        bool first = false;
        Timestamp when{};
        Duration interval{};
    };
    std::mutex mutex_;
    std::mutex flush_mutex_;  ///< one flush at a time
    std::unordered_map<std::int64_t, Window> windows_;
    std::unordered_map<std::int64_t, Use> uses_;
};

}  // namespace rsolv::domain
