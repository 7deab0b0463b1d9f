#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

/// The log of counted actions per bucket ("signup:ip:203.0.113.9"), for exact sliding windows.
class RateLimitRepository {
public:
    explicit RateLimitRepository(Transaction& tx) : tx_(tx) {}
    struct Window {
        std::int64_t count = 0;
        std::optional<Timestamp> oldest;
    };
    /// Hits in (since, ∞) for the bucket.
    Window window(const std::string& bucket, Timestamp since);
    void hit(const std::string& bucket, Timestamp at);
    /// Forgets the bucket's hits at or before `before`, which its window can no longer count.
    void prune(const std::string& bucket, Timestamp before);
    /// Forgets every hit at or before `before`, which no window can count any more (a maintenance step).
    int pruneBefore(Timestamp before);

    /// One limit of admitAll(): at most `limit` hits in (since, ∞).
    struct Limit {
        std::string bucket;
        Timestamp since;
        std::int64_t limit = 0;
    };
    /// Several limits checked together, in few round trips: locks every bucket (in the order given: sort them), forgets
    /// hits before each window, counts each window, and records a hit at `now` in every bucket when all of them have
    /// room. The windows as they were before that hit, in the order given. PostgreSQL: two statements; SQLite (whose
    /// write lock already serialises): three, in process.
    std::vector<Window> admitAll(const std::vector<Limit>& limits, Timestamp now);
    /// The text of each statement admitAll() runs on `dialect`, for the test that reads their plans.
    static std::vector<std::string> admitStatements(Dialect dialect);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
