#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "storage/database.h"

namespace rsolv::domain {

/// One day of the overview's chart: "2026-11-30" (UTC) and the fix attempts started that day.
struct DayCount {
    std::string day;
    int attempts = 0;
};

/// The last `days` UTC days up to today, oldest first, each with the customer's fix attempts started that day.
std::vector<DayCount> attemptsPerDay(storage::Transaction& tx, std::int64_t customer_id, Timestamp now, int days);

/// How close the trial is to its limit, for the bar's colour: under 70 % used, from 70 %, or all used.
enum class UsageLevel { Ok, Warn, Full };
UsageLevel usageLevel(int used, int limit);

}  // namespace rsolv::domain
