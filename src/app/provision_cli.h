#pragma once

#include <ostream>
#include <string>

#include "app/config.h"
#include "common/clock.h"

namespace rsolv::app {

/// The fields of `rsolv provision`.
struct CommandLineSignup {
    std::string email;
    std::string name;
    std::string company;
};

/// `rsolv provision --email E --name N [--company C]`: provisions a customer through the signup pipeline (signup mode
/// and limits apply, the welcome email is queued) and prints the new key once to `out`. Unlike
/// `rsolv admin provision`, whose operator never sees a key, the key reaches the terminal, so the change is audited
/// (issue 12) as `actor` ("cli:<user>") in the signup's own transaction. Returns the exit status; refusals go to `err`.
int runProvisionCommand(const CommandLineSignup& signup, const Config& config, const Clock& clock,
                        const std::string& actor, std::ostream& out, std::ostream& err);

}  // namespace rsolv::app
