#pragma once

#include <string_view>

namespace rsolv::app {

/// Tells systemd (Type=notify units) where the process stands, through the socket named by NOTIFY_SOCKET.
/// Outside systemd NOTIFY_SOCKET is unset and each call does nothing.

/// Migrations are applied and the listener (or the workers) is running: systemd may start what depends on us.
void notifyReady(std::string_view status);
/// A stop signal arrived: requests already read are being answered and jobs handed back.
void notifyStopping();

}  // namespace rsolv::app
