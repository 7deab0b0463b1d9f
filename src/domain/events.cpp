#include "domain/events.h"

#include "common/crypto.h"
#include "storage/event_repository.h"

namespace rsolv::domain {

void recordEvent(storage::Transaction& tx, std::optional<std::int64_t> customer_id, std::string_view type,
                 std::string_view status, const nlohmann::json& details, Timestamp now) {
    storage::EventRepository(tx).record({crypto::uuidV4(), customer_id, std::string(type), std::string(status),
                                         details.is_null() ? "{}" : details.dump(), now});
}

}  // namespace rsolv::domain
