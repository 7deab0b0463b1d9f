#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "storage/admin_customer_repository.h"
#include "storage/api_key_repository.h"
#include "storage/audit_repository.h"
#include "storage/customer_repository.h"
#include "storage/database.h"
#include "storage/event_repository.h"
#include "storage/fix_attempt_repository.h"
#include "storage/session_repository.h"

namespace rsolv::domain::admin {

/// One page of the console's customer list, newest first, with the id to continue from.
struct CustomerPage {
    std::vector<storage::CustomerSummary> customers;
    std::optional<std::int64_t> next_before_id;
};
CustomerPage searchCustomers(storage::Transaction& tx, storage::CustomerSearch search);

/// Everything /admin/customers/{id} shows.
struct CustomerDetail {
    storage::CustomerRecord customer;
    std::vector<storage::ApiKeyRecord> keys;
    std::vector<storage::SessionRecord> sessions;
    std::vector<storage::FixAttemptRecord> attempts;
    std::vector<storage::EmailSent> emails;
    std::vector<storage::EventRecord> events;
    std::vector<storage::AuditEntry> audit;
};
std::optional<CustomerDetail> customerDetail(storage::Transaction& tx, std::int64_t customer_id, Timestamp now,
                                             Duration session_idle_timeout);

/// A customer by the address typed on the command line (any case or form of it).
std::optional<storage::CustomerRecord> customerByEmail(storage::Transaction& tx, std::string_view email);

/// A CSV cell: quoted, and a leading = + - @ (a spreadsheet formula) defused with an apostrophe.
std::string csvCell(std::string_view value);

}  // namespace rsolv::domain::admin
