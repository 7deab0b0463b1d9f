#pragma once

#include <optional>
#include <string>

#include "storage/customer_repository.h"
#include "storage/database.h"
#include "storage/session_repository.h"

namespace rsolv::storage {

/// What a signup creates: the customer, its first API key, and (signing up in a browser) its first session with the
/// one-time flash that shows the key on the next page.
struct NewAccount {
    NewCustomer customer;
    struct Key {
        std::string hash;
        std::string display_id;
        std::string name;
    } key;
    std::optional<SessionRecord> session;  ///< its customer_id is the new customer's
    struct Flash {
        std::string kind;
        std::string sealed;
        Timestamp expires_at;
    };
    std::optional<Flash> flash;  ///< the session's; only with a session
};

/// Inserts the account's rows, all stamped `now`: one statement on PostgreSQL (data-modifying WITHs, one round trip
/// instead of four), one per row on SQLite. The new customer's id; StorageError::UniqueViolation when the canonical
/// email is taken (nothing is inserted then).
std::int64_t insertAccount(Transaction& tx, const NewAccount& account, Timestamp now);

}  // namespace rsolv::storage
