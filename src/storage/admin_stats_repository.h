#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

struct SignupCounts {
    std::int64_t provisioned = 0;
    std::int64_t failed = 0;
    std::vector<std::pair<std::string, std::int64_t>> rejected_by_reason;
    std::optional<double> average_provisioning_ms;
};

struct FailedJob {
    std::int64_t id = 0;
    std::string kind;
    std::string last_error;
    Timestamp updated_at;
};

/// The counts /admin shows at a glance, from provisioning_events and jobs (counts by state: JobRepository).
class AdminStatsRepository {
public:
    explicit AdminStatsRepository(Transaction& tx) : tx_(tx) {}
    SignupCounts signupsSince(Timestamp since);
    std::vector<FailedJob> recentDeadJobs(int limit);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
