#include "app/open_files.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace rsolv::app {

void raiseOpenFilesLimit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        spdlog::warn("cannot read the open files limit: {}", std::strerror(errno));
        return;
    }
    const auto before = limit.rlim_cur;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
            spdlog::warn("cannot raise the open files limit from {} to {}: {}", before, limit.rlim_max,
                         std::strerror(errno));
            return;
        }
    }
    spdlog::info("open files limit {} (was {}, hard limit {}): about that many connections at once", limit.rlim_cur,
                 before, limit.rlim_max);
}

}  // namespace rsolv::app
