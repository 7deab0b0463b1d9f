#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace rsolv::app {

/// Parses the words after a command (`rsolv admin ...`, `rsolv metrics ...`) into `cli`. Returns nothing when the
/// command should run; otherwise the exit status, help or the parse error already written to `out` or `err`
/// (0 for --help, 2 for a usage error).
inline std::optional<int> parseCommandLine(CLI::App& cli, const std::vector<std::string>& args, std::ostream& out,
                                           std::ostream& err) {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes its arguments last first
    try {
        cli.parse(reversed);
        return std::nullopt;
    } catch (const CLI::ParseError& e) {
        std::ostringstream o, e2;
        const int code = cli.exit(e, o, e2);
        out << o.str();
        err << e2.str();
        return code == 0 ? 0 : 2;
    }
}

}  // namespace rsolv::app
