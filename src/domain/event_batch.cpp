#include "domain/event_batch.h"

#include "common/crypto.h"

namespace rsolv::domain {

void EventBatch::add(std::optional<std::int64_t> customer_id, std::string_view type, std::string_view status,
                     const nlohmann::json& details, Timestamp now) {
    events_.push_back({crypto::uuidV4(), customer_id, std::string(type), std::string(status),
                       details.is_null() ? "{}" : details.dump(), now});
}

}  // namespace rsolv::domain
