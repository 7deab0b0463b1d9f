#pragma once

#include <optional>

#include "metrics/exposition.h"

namespace rsolv::metrics {

/// This process as /proc/self sees it.
struct ProcessStats {
    double cpu_seconds = 0;
    double resident_bytes = 0;
    double virtual_bytes = 0;
    double start_time_seconds = 0;  ///< since the Unix epoch
    double threads = 0;
    double open_fds = 0;
    double max_fds = 0;
};

/// Reads /proc/self/stat, /proc/stat (boot time), /proc/self/fd and the file limit; nothing when /proc is absent.
std::optional<ProcessStats> readProcessStats();

/// The usual process_* families (the names Prometheus' own clients use).
void writeProcessMetrics(Exposition& out);

}  // namespace rsolv::metrics
