#include "storage/postgres_listener.h"

#include <spdlog/spdlog.h>

#include <pqxx/pqxx>

#include "storage/postgres_database.h"

namespace rsolv::storage {
namespace {

class Receiver final : public pqxx::notification_receiver {
public:
    Receiver(pqxx::connection_base& c, const std::string& channel, const std::function<void()>& on_message)
        : pqxx::notification_receiver(c, channel), on_message_(on_message) {}
    void operator()(const std::string&, int) override { on_message_(); }

private:
    const std::function<void()>& on_message_;
};

/// How often a quiet connection is proved alive (a lost connection is otherwise noticed only when the socket says so).
constexpr auto kProbeInterval = std::chrono::seconds(2);

}  // namespace

PostgresListener::PostgresListener(std::string url, std::string channel, std::function<void()> on_message,
                                   std::function<void(bool)> on_state, std::chrono::milliseconds retry)
    : url_(std::move(url)),
      channel_(std::move(channel)),
      on_message_(std::move(on_message)),
      on_state_(std::move(on_state)),
      retry_(retry),
      thread_([this] { run(); }) {}

PostgresListener::~PostgresListener() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

bool PostgresListener::pause(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex_);
    return !cv_.wait_for(lock, d, [this] { return stop_.load(); });
}

void PostgresListener::run() {
    while (!stop_) {
        try {
            listenOnce();
        } catch (const std::exception& e) {
            on_state_(false);
            if (!warned_)
                spdlog::warn("listener on {} lost ({}): API keys are trusted at most 1 s until it is back; "
                             "reconnecting every {} ms",
                             channel_, e.what(), retry_.count());
            warned_ = true;
            if (!pause(retry_)) break;
            continue;
        }
        break;
    }
    on_state_(false);
}

void PostgresListener::listenOnce() {
    pqxx::connection conn(url_);
    Receiver receiver(conn, channel_, on_message_);
    conn.get_notifs();  // LISTEN is in effect from here
    on_state_(true);
    if (warned_) spdlog::info("listening on {} again", channel_);
    warned_ = false;
    auto next_probe = std::chrono::steady_clock::now() + kProbeInterval;
    while (!stop_) {
        conn.await_notification(0, 200000);
        if (!conn.is_open()) throw pqxx::broken_connection("connection closed");
        if (std::chrono::steady_clock::now() >= next_probe) {
            pqxx::nontransaction(conn).exec("SELECT 1");
            next_probe = std::chrono::steady_clock::now() + kProbeInterval;
        }
    }
}

}  // namespace rsolv::storage
