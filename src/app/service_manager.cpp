#include "app/service_manager.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <string>

namespace rsolv::app {
namespace {

void notify(const std::string& state) {
    const int rc = sd_notify(0, state.c_str());
    if (rc < 0) spdlog::warn("could not notify the service manager ({}): {}", state.substr(0, state.find('\n')), rc);
}

}  // namespace

void notifyReady(std::string_view status) { notify("READY=1\nSTATUS=" + std::string(status)); }

void notifyStopping() { notify("STOPPING=1\nSTATUS=stopping"); }

}  // namespace rsolv::app
