#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "app/config.h"
#include "common/clock.h"

namespace rsolv::app {

/// `rsolv admin ...`: the operator's command line. `args` are the words after "admin". Never prompts (it runs in
/// scripts): every change takes --reason, is audited as `actor` ("cli:<user>"), and a refusal exits non-zero with a
/// message. --json prints one JSON object instead of text. Returns the exit status.
int runAdminCommand(const std::vector<std::string>& args, const Config& config, const Clock& clock,
                    const std::string& actor, std::ostream& out, std::ostream& err);

/// "cli:<login name>" of the user running the binary.
std::string cliActor();

}  // namespace rsolv::app
