#pragma once

#include <string>
#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

/// The statements that erase one customer's personal data (the right to erasure): its row is kept without email,
/// name or company; keys, sessions, tokens, idempotency records and rate-limit hits naming it are deleted; its
/// provisioning events and fix attempts stay attached to the row with their personal details blanked.
class ErasureRepository {
public:
    explicit ErasureRepository(Transaction& tx) : tx_(tx) {}
    /// The IP addresses the customer's sessions and events hold, to find rate-limit hits named after them.
    std::vector<std::string> knownIps(std::int64_t customer_id);
    /// Replaces the customer's email, name and company, and purges their former text from the search index.
    void anonymiseCustomer(std::int64_t customer_id, const std::string& placeholder_email, Timestamp now);
    void deleteCredentials(std::int64_t customer_id);
    void anonymiseHistory(std::int64_t customer_id);
    void deleteRateLimitHits(const std::string& bucket);
    /// Pending or finished jobs whose payload mentions the text (an address): cancelled with an empty payload.
    void scrubJobsMentioning(const std::string& text, std::int64_t customer_id, Timestamp now);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
