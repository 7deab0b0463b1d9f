#pragma once
// Outside programs a test runs for real (promtool, prometheus): started with an argument vector, no shell.

#include <string>
#include <vector>

namespace rsolv::test {

/// What a program printed (stdout and stderr together) and how it ended.
struct ProgramResult {
    int exit_code = -1;
    std::string output;
};

/// Runs `argv` to its end with `stdin_text` on its standard input.
ProgramResult runProgram(const std::vector<std::string>& argv, const std::string& stdin_text = "");

/// A program running in the background while a test talks to it; SIGTERM and wait when destroyed.
class BackgroundProgram {
public:
    /// Its output goes to `log_path`.
    BackgroundProgram(const std::vector<std::string>& argv, const std::string& log_path);
    ~BackgroundProgram();
    BackgroundProgram(const BackgroundProgram&) = delete;
    BackgroundProgram& operator=(const BackgroundProgram&) = delete;
    bool running();

private:
    int pid_ = -1;
};

/// A loopback TCP port that was free a moment ago (for programs that cannot be told to pick one).
unsigned short freeLoopbackPort();

}  // namespace rsolv::test
