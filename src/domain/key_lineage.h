#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "storage/database.h"

namespace rsolv::domain {

/// Which key replaced which, by display id, from the customer's api_key_rolled events (the keys page says so).
struct KeyLineage {
    std::map<std::string, std::string> replaced_by;  ///< old display id -> the new key's
    std::map<std::string, std::string> replaces;     ///< new display id -> the old key's
};
KeyLineage keyLineage(storage::Transaction& tx, std::int64_t customer_id);

}  // namespace rsolv::domain
