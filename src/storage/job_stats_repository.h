#pragma once

#include <map>
#include <string>
#include <utility>

#include "storage/database.h"

namespace rsolv::storage {

/// The whole cluster's job queue at a glance, for metrics and alerts.
struct JobStats {
    std::map<std::pair<std::string, std::string>, std::int64_t> counts;  ///< (kind, state) -> jobs, completed left out
    std::map<std::string, Timestamp> oldest_due;                         ///< kind -> run_at of its oldest due job
};

/// Counts jobs by kind and state (every state but completed), and finds the oldest job per kind that is due and not yet claimed.
JobStats readJobStats(Transaction& tx, Timestamp now);

}  // namespace rsolv::storage
