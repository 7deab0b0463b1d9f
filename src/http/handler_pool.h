#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rsolv::http {

/// The threads that run handlers, which block on the database: a fixed number of them and a bounded queue, so load
/// beyond what the database can take waits a little or is turned away (503) instead of piling up threads.
class HandlerPool {
public:
    /// A task learns whether it waited longer than `max_wait` for its thread (then it should only refuse).
    using Task = std::function<void(bool waited_too_long)>;

    HandlerPool(int threads, size_t max_queued, std::chrono::milliseconds max_wait);
    ~HandlerPool();
    HandlerPool(const HandlerPool&) = delete;
    HandlerPool& operator=(const HandlerPool&) = delete;

    /// Queues a task; false (and the task not kept) when the queue is full or the pool stopped.
    bool submit(Task task);
    /// Runs every task already queued, then joins the threads.
    void stop();

private:
    struct Queued {
        Task task;
        std::chrono::steady_clock::time_point queued_at;
    };
    void run();

    const size_t max_queued_;
    const std::chrono::milliseconds max_wait_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<Queued> queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace rsolv::http
