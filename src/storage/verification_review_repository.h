#pragma once

#include <optional>
#include <string>

#include "storage/database.h"

namespace rsolv::storage {

/// The review a customer answers after first proving their address: what existed before (issue 9, pre-hijacking).
struct VerificationReviewRecord {
    std::int64_t customer_id = 0;
    Timestamp verified_at;
    std::string sessions_json;  ///< the sessions ended by the proof: [{created_at, ip, user_agent}]
    std::optional<Timestamp> answered_at;
    std::optional<std::string> answer;  ///< "kept" or "revoked"
};

class VerificationReviewRepository {
public:
    explicit VerificationReviewRepository(Transaction& tx) : tx_(tx) {}
    void insert(std::int64_t customer_id, Timestamp verified_at, const std::string& sessions_json);
    std::optional<VerificationReviewRecord> find(std::int64_t customer_id);
    /// Records the answer once; false when already answered (or no review).
    bool answer(std::int64_t customer_id, const std::string& answer, Timestamp now);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
