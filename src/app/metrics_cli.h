#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "app/config.h"
#include "common/clock.h"

namespace rsolv::app {

/// `rsolv metrics report --since DATE [--until DATE] [--by day|week] [--json]`: RFC-065's success report (README
/// "Success metrics"). `args` are the words after "metrics". Returns the exit status (2 for bad arguments).
int runMetricsCommand(const std::vector<std::string>& args, const Config& config, const Clock& clock,
                      std::ostream& out, std::ostream& err);

}  // namespace rsolv::app
