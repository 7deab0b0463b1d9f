#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace rsolv::storage {

/// LISTENs on one PostgreSQL channel over a dedicated connection (not from the pool) on its own thread. Calls
/// `on_message` for every notification, and `on_state(true)` once listening, `on_state(false)` when the connection is
/// lost (then it reconnects every `retry`, and says so again with on_state(true)). Callbacks run on its thread.
class PostgresListener {
public:
    PostgresListener(std::string url, std::string channel, std::function<void()> on_message,
                     std::function<void(bool listening)> on_state,
                     std::chrono::milliseconds retry = std::chrono::seconds(1));
    ~PostgresListener();
    PostgresListener(const PostgresListener&) = delete;
    PostgresListener& operator=(const PostgresListener&) = delete;

private:
    void run();
    void listenOnce();
    bool pause(std::chrono::milliseconds d);

    std::string url_;
    std::string channel_;
    std::function<void()> on_message_;
    std::function<void(bool)> on_state_;
    std::chrono::milliseconds retry_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::atomic<bool> stop_{false};
    bool warned_ = false;  ///< the loss of the connection was logged; said once per outage
    std::thread thread_;
};

}  // namespace rsolv::storage
