#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "storage/database.h"
#include "storage/event_repository.h"

namespace rsolv::domain {

/// Provisioning events gathered during one business operation and written in one statement at its end, in the same
/// transaction (recordEvent writes one row per round trip).
class EventBatch {
public:
    void add(std::optional<std::int64_t> customer_id, std::string_view type, std::string_view status,
             const nlohmann::json& details, Timestamp now);
    /// What was added; the batch is empty afterwards.
    std::vector<storage::EventRecord> take() { return std::exchange(events_, {}); }

private:
    std::vector<storage::EventRecord> events_;
};

}  // namespace rsolv::domain
