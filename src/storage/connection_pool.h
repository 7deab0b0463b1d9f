#pragma once

#include <chrono>
#include <condition_variable>
#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

/// A fixed-size pool of connections, opened on demand. Waiters are served first come, first served: a released
/// connection is handed to the longest waiter, so a newcomer cannot overtake it and turn a short wait into a
/// timeout. Waiting longer than the timeout is StorageError::Unavailable (503), never an unbounded queue.
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
        if (waiters_.empty()) {
            if (!idle_.empty()) {
                auto conn = std::move(idle_.back());
                idle_.pop_back();
                return Lease(this, std::move(conn));
            }
            if (open_ < max_size_) return openNew(lock);
        }
        Waiter self;
        waiters_.push_back(&self);
        const bool served = self.cv.wait_for(lock, timeout_, [&] { return self.conn || self.may_open; });
        if (!served) {
            waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &self));
            throw StorageError(StorageError::Kind::Unavailable, "no database connection free within the timeout");
        }
        if (self.conn) return Lease(this, std::move(self.conn));
        return openNew(lock);
    }

    /// Connections open (in use or idle), idle, the most allowed, and requests waiting for one (metrics).
    struct Stats {
        int open = 0, idle = 0, max = 0, waiting = 0;
    };
    Stats stats() {
        std::lock_guard lock(mutex_);
        return {open_, static_cast<int>(idle_.size()), max_size_, static_cast<int>(waiters_.size())};
    }

private:
    struct Waiter {
        std::condition_variable cv;
        std::unique_ptr<Conn> conn;  ///< handed over by release()
        bool may_open = false;       ///< a broken connection freed a slot: open a new one
    };

    Lease openNew(std::unique_lock<std::mutex>& lock) {
        ++open_;
        lock.unlock();
        try {
            return Lease(this, factory_());
        } catch (...) {
            lock.lock();
            --open_;
            wakeOpener();
            throw;
        }
    }

    void wakeOpener() {
        if (!waiters_.empty() && open_ < max_size_) {
            Waiter* w = waiters_.front();
            waiters_.pop_front();
            w->may_open = true;
            w->cv.notify_one();
        }
    }

    void release(std::unique_ptr<Conn> conn, bool broken) {
        std::lock_guard lock(mutex_);
        if (broken) {
            --open_;
            conn.reset();
            wakeOpener();
            return;
        }
        if (!waiters_.empty()) {
            Waiter* w = waiters_.front();
            waiters_.pop_front();
            w->conn = std::move(conn);
            w->cv.notify_one();
            return;
        }
        idle_.push_back(std::move(conn));
    }

    Factory factory_;
    const int max_size_;
    const std::chrono::milliseconds timeout_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Conn>> idle_;
    std::deque<Waiter*> waiters_;
    int open_ = 0;
};

}  // namespace rsolv::storage
