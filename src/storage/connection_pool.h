#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

/// A fixed-size pool of connections, opened on demand. Waiting longer than the timeout for a free connection is
/// StorageError::Unavailable (the request gets 503), never an unbounded queue.
template <class Conn>
class ConnectionPool {
public:
    using Factory = std::function<std::unique_ptr<Conn>()>;

    ConnectionPool(Factory factory, int max_size, std::chrono::milliseconds acquire_timeout)
        : factory_(std::move(factory)), max_size_(max_size), timeout_(acquire_timeout) {}

    /// Returns a connection to the pool when destroyed, or drops it when marked broken.
    class Lease {
    public:
        Lease(ConnectionPool* pool, std::unique_ptr<Conn> conn) : pool_(pool), conn_(std::move(conn)) {}
        Lease(Lease&&) = default;
        Lease& operator=(Lease&&) = default;
        ~Lease() {
            if (pool_ && conn_) pool_->release(std::move(conn_), broken_);
        }
        Conn& operator*() { return *conn_; }
        Conn* operator->() { return conn_.get(); }
        void markBroken() { broken_ = true; }

    private:
        ConnectionPool* pool_;
        std::unique_ptr<Conn> conn_;
        bool broken_ = false;
    };

    Lease acquire() {
        std::unique_lock lock(mutex_);
        if (!cv_.wait_for(lock, timeout_, [&] { return !idle_.empty() || open_ < max_size_; }))
            throw StorageError(StorageError::Kind::Unavailable, "no database connection free within the timeout");
        if (!idle_.empty()) {
            auto conn = std::move(idle_.back());
            idle_.pop_back();
            return Lease(this, std::move(conn));
        }
        ++open_;
        lock.unlock();
        try {
            return Lease(this, factory_());
        } catch (...) {
            lock.lock();
            --open_;
            cv_.notify_one();
            throw;
        }
    }

private:
    void release(std::unique_ptr<Conn> conn, bool broken) {
        std::lock_guard lock(mutex_);
        if (broken)
            --open_;
        else
            idle_.push_back(std::move(conn));
        cv_.notify_one();
    }

    Factory factory_;
    const int max_size_;
    const std::chrono::milliseconds timeout_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<std::unique_ptr<Conn>> idle_;
    int open_ = 0;
};

}  // namespace rsolv::storage
