#include "domain/api_usage.h"

#include <algorithm>
#include <charconv>

#include "domain/events.h"
#include "storage/customer_repository.h"
#include "storage/api_key_repository.h"
#include "storage/idempotency_repository.h"

namespace rsolv::domain {
namespace {

constexpr auto kWindow = std::chrono::minutes(1);
constexpr std::int64_t kWindowSeconds = std::chrono::seconds(kWindow).count();

std::int64_t secondOf(Timestamp t) {
    return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

SecondCounts parseHits(std::string_view hits) {
    SecondCounts out;
    size_t pos = 0;
    while (pos < hits.size()) {
        size_t comma = hits.find(',', pos);
        if (comma == std::string_view::npos) comma = hits.size();
        const std::string_view entry = hits.substr(pos, comma - pos);
        const auto colon = entry.find(':');
        std::int64_t s = 0, c = 0;
        if (colon != std::string_view::npos &&
            std::from_chars(entry.data(), entry.data() + colon, s).ec == std::errc() &&
            std::from_chars(entry.data() + colon + 1, entry.data() + entry.size(), c).ec == std::errc() && c > 0)
            out[s] += c;
        pos = comma + 1;
    }
    return out;
}

std::string formatHits(const SecondCounts& counts) {
    std::string out;
    for (const auto& [s, c] : counts) {
        if (!out.empty()) out += ',';
        out += std::to_string(s) + ":" + std::to_string(c);
    }
    return out;
}

void addCounts(SecondCounts& into, const SecondCounts& add) {
    for (const auto& [s, c] : add) into[s] += c;
}

/// `hits` (the row: "second:count,...") plus `add`, without the seconds that left the window at `now`.
SecondCounts mergeWindow(std::string_view hits, const SecondCounts& add, Timestamp now) {
    SecondCounts all = parseHits(hits);
    addCounts(all, add);
    all.erase(all.begin(), all.lower_bound(secondOf(now) - kWindowSeconds));
    return all;
}

}  // namespace

WindowDecision slideWindow(std::initializer_list<const SecondCounts*> counts, int limit, Duration window,
                           Timestamp now) {
    using std::chrono::seconds;
    const std::int64_t second = secondOf(now);
    const std::int64_t span = std::chrono::ceil<seconds>(window).count();
    const std::int64_t first = second - span;  // counted whole: conservative at the window's start
    std::int64_t total = 0;
    for (const auto* c : counts)
        for (auto it = c->lower_bound(first); it != c->end() && it->first <= second; ++it) total += it->second;
    WindowDecision d;
    if (total < limit) {
        d.allowed = true;
        return d;
    }
    // Refused: the wait until enough of the oldest seconds have left the window for one more request.
    SecondCounts merged;
    for (const auto* c : counts)
        for (auto it = c->lower_bound(first); it != c->end() && it->first <= second; ++it) merged[it->first] += it->second;
    std::int64_t remaining = total;
    for (const auto& [s, c] : merged) {
        remaining -= c;
        if (remaining < limit) {
            d.retry_after = std::max<Duration>(Timestamp(seconds(s + span + 1)) - now, seconds(1));
            break;
        }
    }
    return d;
}

WindowDecision ApiUsage::admit(std::int64_t key_id, int limit, Timestamp now) {
    std::lock_guard lock(mutex_);
    auto& w = windows_[key_id];
    const WindowDecision d = slideWindow({&w.shared, &w.flushing, &w.pending}, limit, kWindow, now);
    if (d.allowed) {
        ++w.pending[secondOf(now)];
        w.last_request = std::max(w.last_request, now);
    }
    return d;
}

void ApiUsage::noteUse(std::int64_t key_id, std::int64_t customer_id, const std::string& display_id, bool first,
                       Timestamp when, Duration last_used_interval) {
    std::lock_guard lock(mutex_);
    auto& u = uses_[key_id];
    u.first = u.first || first;
    u.customer_id = customer_id;
    u.display_id = display_id;
    u.when = std::max(u.when, when);
    u.interval = last_used_interval;
}

void ApiUsage::flush(storage::Database& db, Timestamp now) {
    std::lock_guard one(flush_mutex_);
    std::map<std::int64_t, SecondCounts> counts;  // by key id: ascending, so locks are taken in one order
    std::vector<std::int64_t> refresh;
    std::unordered_map<std::int64_t, Use> uses;
    {
        std::lock_guard lock(mutex_);
        for (auto it = windows_.begin(); it != windows_.end();) {
            auto& w = it->second;
            if (!w.pending.empty()) {
                w.flushing = std::move(w.pending);
                w.pending.clear();
                counts[it->first] = w.flushing;
            } else if (w.last_request + kWindow >= now) {
                refresh.push_back(it->first);
            } else {
                it = windows_.erase(it);  // idle for a minute: nothing of it is left in any window
                continue;
            }
            ++it;
        }
        uses.swap(uses_);
    }
    if (counts.empty() && refresh.empty() && uses.empty()) return;

    std::map<std::int64_t, SecondCounts> read;
    try {
        storage::inTransaction(db, storage::TxMode::Write, [&](storage::Transaction& tx) {
            storage::RequestWindowRepository windows(tx);
            for (const auto& [key_id, add] : counts) {
                SecondCounts merged = mergeWindow(windows.lockHits(key_id), add, now);
                windows.saveHits(key_id, formatHits(merged));
                read[key_id] = std::move(merged);
            }
            for (const auto key_id : refresh) read[key_id] = parseHits(windows.hits(key_id));
            storage::ApiKeyRepository keys(tx);
            storage::CustomerRepository customers(tx);
            for (const auto& [key_id, u] : uses) {
                keys.touchLastUsed(key_id, u.when, u.interval);
                if (u.first && customers.markFirstApiCall(u.customer_id, u.when))
                    recordEvent(tx, u.customer_id, "first_api_call", "succeeded", {{"key", u.display_id}}, u.when);
            }
        });
    } catch (...) {
        std::lock_guard lock(mutex_);
        for (auto& [key_id, w] : windows_) {
            addCounts(w.pending, w.flushing);
            w.flushing.clear();
        }
        for (auto& [key_id, u] : uses) {
            const auto [it, fresh] = uses_.emplace(key_id, u);
            if (!fresh) it->second.first = it->second.first || u.first;
        }
        throw;
    }
    std::lock_guard lock(mutex_);
    for (auto& [key_id, hits] : read) {
        auto it = windows_.find(key_id);
        if (it == windows_.end()) continue;
        it->second.shared = std::move(hits);
        it->second.flushing.clear();
    }
}

}  // namespace rsolv::domain
