// rsolv tells systemd (Type=notify) when it is ready and when it stops, through NOTIFY_SOCKET.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "app/service_manager.h"

namespace {

/// A datagram socket standing in for systemd's notification socket, named by NOTIFY_SOCKET while it lives.
class FakeServiceManager {
public:
    FakeServiceManager() {
        path_ = (std::filesystem::temp_directory_path() / ("rsolv-notify-" + std::to_string(getpid()))).string();
        std::filesystem::remove(path_);
        fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        path_.copy(addr.sun_path, sizeof addr.sun_path - 1);
        EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        setenv("NOTIFY_SOCKET", path_.c_str(), 1);
    }
    ~FakeServiceManager() {
        unsetenv("NOTIFY_SOCKET");
        close(fd_);
        std::filesystem::remove(path_);
    }
    /// The next message, or "" when none is waiting.
    std::string next() {
        char buf[4096];
        const auto n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
        return n > 0 ? std::string(buf, size_t(n)) : std::string();
    }

private:
    std::string path_;
    int fd_ = -1;
};

TEST(ServiceManager, ReadySaysReadyWithAStatus) {
    FakeServiceManager systemd;
    rsolv::app::notifyReady("listening on port 4000");
    EXPECT_EQ(systemd.next(), "READY=1\nSTATUS=listening on port 4000");
}

TEST(ServiceManager, StoppingSaysStopping) {
    FakeServiceManager systemd;
    rsolv::app::notifyStopping();
    EXPECT_EQ(systemd.next().rfind("STOPPING=1\n", 0), 0u);
}

}  // namespace
