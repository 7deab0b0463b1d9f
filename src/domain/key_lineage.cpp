#include "domain/key_lineage.h"

#include <nlohmann/json.hpp>

#include "storage/event_repository.h"

namespace rsolv::domain {

KeyLineage keyLineage(storage::Transaction& tx, std::int64_t customer_id) {
    KeyLineage out;
    for (const auto& e : storage::EventRepository(tx).listForCustomer(customer_id)) {
        if (e.event_type != "api_key_rolled") continue;
        const auto details = nlohmann::json::parse(e.details_json, nullptr, false);
        if (!details.is_object()) continue;
        const std::string from = details.value("old_key", ""), to = details.value("new_key", "");
        if (from.empty() || to.empty()) continue;
        out.replaced_by[from] = to;
        out.replaces[to] = from;
    }
    return out;
}

}  // namespace rsolv::domain
