#include "http/handler_pool.h"

#include <spdlog/spdlog.h>

namespace rsolv::http {

HandlerPool::HandlerPool(int threads, size_t max_queued, std::chrono::milliseconds max_wait)
    : max_queued_(max_queued), max_wait_(max_wait) {
    threads_.reserve(size_t(threads));
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

HandlerPool::~HandlerPool() { stop(); }

bool HandlerPool::submit(Task task) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= max_queued_) return false;
        queue_.push_back({std::move(task), std::chrono::steady_clock::now()});
    }
    ready_.notify_one();
    return true;
}

void HandlerPool::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

void HandlerPool::run() {
    for (;;) {
        Queued next;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and nothing left that was already accepted
            next = std::move(queue_.front());
            queue_.pop_front();
        }
        const bool too_late = std::chrono::steady_clock::now() - next.queued_at > max_wait_;
        try {
            next.task(too_late);
        } catch (const std::exception& e) {
            spdlog::error("a handler task escaped its catch-all: {}", e.what());
        } catch (...) {
            spdlog::error("a handler task escaped its catch-all");
        }
    }
}

}  // namespace rsolv::http
