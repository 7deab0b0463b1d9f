#include "storage/event_times.h"

namespace rsolv::storage {
namespace {

constexpr Query kLatestOf{
    "SELECT MAX(created_at) AS at FROM provisioning_events WHERE customer_id = $1 AND event_type = $2"};

}  // namespace

std::optional<Timestamp> latestEventAt(Transaction& tx, std::int64_t customer_id, const std::string& event_type) {
    const auto rs = tx.exec(kLatestOf, {customer_id, event_type});
    return rs.empty() ? std::nullopt : rs[0].optTime("at");
}

}  // namespace rsolv::storage
