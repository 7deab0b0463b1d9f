#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

/// A job as the console shows it (its payload stays out: it may hold a sealed key or an address).
struct JobView {
    std::int64_t id = 0;
    std::string kind;
    std::string state;
    int attempts = 0;
    int max_attempts = 0;
    std::string last_error;
    Timestamp run_at;
    Timestamp created_at;
    Timestamp updated_at;
};

/// The console's look at the job queue and the operator's hand on it (jobs/job_queue.cpp runs the workers' side).
class AdminJobRepository {
public:
    explicit AdminJobRepository(Transaction& tx) : tx_(tx) {}
    /// Newest first; empty state or kind, zero before_id: no filter.
    std::vector<JobView> list(const std::string& state, const std::string& kind, std::int64_t before_id, int limit);
    std::optional<JobView> find(std::int64_t id);
    std::vector<std::string> kinds();
    /// Due now: a dead job starts its attempts afresh. False unless it was dead, retryable or waiting.
    bool retryNow(std::int64_t id, Timestamp now);
    /// Cancelled; false unless it was dead, retryable or waiting (a running job is left to its worker).
    bool discard(std::int64_t id, Timestamp now);
    int retryAllDead(const std::string& kind, Timestamp now);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
