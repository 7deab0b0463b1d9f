#include "metrics/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace rsolv::metrics {
namespace {

/// The fields of /proc/self/stat after the command name (which may hold spaces), field 3 ("state") first.
std::vector<std::string> statFields() {
    std::ifstream in("/proc/self/stat");
    std::string line;
    std::getline(in, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos) return {};
    std::istringstream rest(line.substr(close + 2));
    std::vector<std::string> fields;
    for (std::string f; rest >> f;) fields.push_back(f);
    return fields;
}

double bootTimeSeconds() {
    std::ifstream in("/proc/stat");
    for (std::string key; in >> key;) {
        if (key == "btime") {
            double t = 0;
            in >> t;
            return t;
        }
        in.ignore(1 << 16, '\n');
    }
    return 0;
}

double openFileDescriptors() {
    std::error_code ec;
    double n = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++n;
    return n;
}

}  // namespace

std::optional<ProcessStats> readProcessStats() {
    const auto f = statFields();
    // Field N of proc(5) is f[N - 3]: utime 14, stime 15, num_threads 20, starttime 22, vsize 23, rss 24.
    if (f.size() < 22) return std::nullopt;
    static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    static const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    static const double boot = bootTimeSeconds();
    ProcessStats s;
    s.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;
    s.threads = std::stod(f[17]);
    s.start_time_seconds = boot + std::stod(f[19]) / ticks;
    s.virtual_bytes = std::stod(f[20]);
    s.resident_bytes = std::stod(f[21]) * page;
    s.open_fds = openFileDescriptors();
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) s.max_fds = static_cast<double>(limit.rlim_cur);
    return s;
}

void writeProcessMetrics(Exposition& out) {
    const auto s = readProcessStats();
    if (!s) return;
    const auto gauge = [&](const char* name, const char* help, const char* type, double value) {
        out.family(name, help, type);
        out.sample(name, {}, value);
    };
    gauge("process_cpu_seconds_total", "User and system CPU time spent, in seconds.", "counter", s->cpu_seconds);
    gauge("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", s->resident_bytes);
    gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge", s->virtual_bytes);
    gauge("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.", "gauge",
          s->start_time_seconds);
    gauge("process_threads", "Threads of the process.", "gauge", s->threads);
    gauge("process_open_fds", "Open file descriptors.", "gauge", s->open_fds);
    gauge("process_max_fds", "The most file descriptors the process may open.", "gauge", s->max_fds);
}

}  // namespace rsolv::metrics
