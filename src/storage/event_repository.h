#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

/// A row of provisioning_events: every step of every signup attempt, rejections and failures included.
struct EventRecord {
    std::string id;
    std::optional<std::int64_t> customer_id;
    std::string event_type;
    std::string status;
    std::string details_json;
    Timestamp created_at;
};

class EventRepository {
public:
    explicit EventRepository(Transaction& tx) : tx_(tx) {}
    void record(const EventRecord& e);
    std::vector<EventRecord> listForCustomer(std::int64_t customer_id);
    std::vector<EventRecord> listByType(const std::string& event_type, int limit);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
