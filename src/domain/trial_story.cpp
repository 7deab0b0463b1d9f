#include "domain/trial_story.h"

#include <ctime>

#include "storage/fix_attempt_stats_repository.h"

namespace rsolv::domain {
namespace {

constexpr auto kDay = std::chrono::hours(24);

std::string utcDay(Timestamp t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(t));
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

/// The start (00:00 UTC) of the day `t` falls in.
Timestamp startOfDay(Timestamp t) {
    const auto since_epoch = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch());
    const auto day_seconds = std::chrono::duration_cast<std::chrono::seconds>(kDay).count();
    return Timestamp(std::chrono::seconds(since_epoch.count() - since_epoch.count() % day_seconds));
}

}  // namespace

std::vector<DayCount> attemptsPerDay(storage::Transaction& tx, std::int64_t customer_id, Timestamp now, int days) {
    const Timestamp first = startOfDay(now) - kDay * (days - 1);
    std::vector<DayCount> out;
    for (int i = 0; i < days; ++i) out.push_back({utcDay(first + kDay * i), 0});
    for (const Timestamp t : storage::FixAttemptStatsRepository(tx).startedSince(customer_id, first)) {
        const auto index = std::chrono::duration_cast<std::chrono::hours>(t - first).count() / 24;
        if (index >= 0 && index < days) ++out[size_t(index)].attempts;
    }
    return out;
}

UsageLevel usageLevel(int used, int limit) {
    if (limit <= 0 || used >= limit) return UsageLevel::Full;
    if (used * 10 >= limit * 7) return UsageLevel::Warn;
    return UsageLevel::Ok;
}

}  // namespace rsolv::domain
