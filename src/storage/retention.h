#pragma once

#include "storage/database.h"

namespace rsolv::storage {

/// Deletes rows nothing can use any more: rate-limit hits older than the longest window, expired sessions, flashes,
/// idempotency records and sign-in links. Returns how many rows went.
int pruneExpiredRows(Transaction& tx, Timestamp now, Duration longest_rate_window);

}  // namespace rsolv::storage
