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

}  // namespace

std::string mergeWindowHits(std::string_view hits, const SecondCounts& add, Timestamp now, Duration window) {
    SecondCounts all = parseHits(hits);
    addCounts(all, add);
    const std::int64_t first = secondOf(now) - std::chrono::ceil<std::chrono::seconds>(window).count();
    all.erase(all.begin(), all.lower_bound(first));
    return formatHits(all);
}

WindowDecision ApiUsage::admit(std::int64_t key_id, int limit, Timestamp now) {
    std::lock_guard lock(mutex_);
    auto& w = windows_[key_id];
    SecondCounts local = w.flushing;
    addCounts(local, w.pending);
    WindowDecision d = slideWindow(mergeWindowHits(w.shared, local, now, kWindow), limit, kWindow, now);
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

    std::map<std::int64_t, std::string> read;
    try {
        storage::inTransaction(db, storage::TxMode::Write, [&](storage::Transaction& tx) {
            storage::RequestWindowRepository windows(tx);
            for (const auto& [key_id, add] : counts) {
                const std::string merged = mergeWindowHits(windows.lockHits(key_id), add, now, kWindow);
                windows.saveHits(key_id, merged);
                read[key_id] = merged;
            }
            for (const auto key_id : refresh) read[key_id] = windows.hits(key_id);
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
