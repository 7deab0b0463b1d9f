#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
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
    /// Inserts what was added, then forgets it.
    void write(storage::Transaction& tx);

private:
    std::vector<storage::EventRecord> events_;
};

}  // namespace rsolv::domain
