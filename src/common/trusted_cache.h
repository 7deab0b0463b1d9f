#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace rsolv {

/// A bounded map of values read from the database, each trusted for a limited time after it was loaded, and emptied
/// by clear() when whatever they were read from changes.
///
/// The race it closes: a reader loads a value, the row changes and clear() runs, then the reader put()s what it read
/// before the change. Readers take generation() before reading and pass it to put(), which keeps nothing read before
/// the last clear(). When full, put() drops an arbitrary entry (the values are cheap to read again).
template <class Key, class Value>
class TrustedCache {
public:
    using Clock = std::chrono::steady_clock;

    explicit TrustedCache(size_t capacity) : capacity_(capacity) {}

    /// The value, when it was loaded less than `trust` ago.
    std::optional<Value> find(const Key& key, Clock::duration trust) const {
        const auto now = Clock::now();
        std::lock_guard lock(mutex_);
        const auto it = entries_.find(key);
        if (it == entries_.end() || now - it->second.loaded >= trust) return std::nullopt;
        return it->second.value;
    }

    /// Read before loading from the database; pass it to put().
    std::uint64_t generation() const { return generation_.load(); }

    void put(const Key& key, Value value, std::uint64_t generation_before_read) {
        const auto now = Clock::now();
        std::lock_guard lock(mutex_);
        // Under the lock: clear() bumps the generation under it too, so a value read before a clear never lands after.
        if (generation_.load() != generation_before_read) return;
        if (entries_.size() >= capacity_ && !entries_.count(key)) entries_.erase(entries_.begin());
        entries_.insert_or_assign(key, Entry{std::move(value), now});
    }

    /// Changes the entry in place, when there is one (how long it is trusted does not change).
    void update(const Key& key, const std::function<void(Value&)>& change) {
        std::lock_guard lock(mutex_);
        const auto it = entries_.find(key);
        if (it != entries_.end()) change(it->second.value);
    }

    void clear() {
        std::lock_guard lock(mutex_);
        ++generation_;
        entries_.clear();
    }

    size_t size() const {
        std::lock_guard lock(mutex_);
        return entries_.size();
    }

private:
    struct Entry {
        Value value;
        Clock::time_point loaded;
    };
    const size_t capacity_;
    mutable std::mutex mutex_;
    std::unordered_map<Key, Entry> entries_;
    std::atomic<std::uint64_t> generation_{0};
};

}  // namespace rsolv
