#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

/// An invitation: an address ("email"), a whole domain ("domain"), or a single-use link emailed to an address from
/// the waitlist ("link"; only the SHA-256 of its token is kept).
struct InvitationRecord {
    std::int64_t id = 0;
    std::string kind;
    std::string value;  ///< canonical address, or ASCII domain
    Timestamp created_at;
    std::string created_by;
    std::optional<Timestamp> used_at;
    std::optional<std::int64_t> customer_id;
};

/// Someone who asked to sign up while signups were by invitation or closed.
struct WaitlistRecord {
    std::int64_t id = 0;
    std::string email;  ///< as typed
    std::string email_canonical;
    std::string name;
    std::string company;
    Timestamp created_at;
    std::optional<Timestamp> approved_at;
    std::optional<std::int64_t> invitation_id;
};

/// The signup mode (one row), invitations and the waitlist.
class SignupRepository {
public:
    explicit SignupRepository(Transaction& tx) : tx_(tx) {}

    /// "open", "invite" or "closed".
    std::string mode();
    /// False when the mode already was `mode`.
    bool setMode(const std::string& mode, Timestamp now);

    /// The new invitation's id; nothing when the same address or domain is already invited.
    std::optional<std::int64_t> insertInvitation(const std::string& kind, const std::string& value,
                                                 const std::optional<std::string>& token_hash,
                                                 const std::string& created_by, Timestamp now);
    /// The invitation of this canonical address, else of its domain, if any.
    std::optional<InvitationRecord> invitationFor(const std::string& canonical, const std::string& domain);
    /// Takes an unused link invitation by its token's hash (once: a second call finds nothing).
    std::optional<std::int64_t> claimLink(const std::string& token_hash, Timestamp now);
    /// Whether an unused link invitation has this token hash (a read: nothing is taken).
    bool linkUnused(const std::string& token_hash);
    /// Records the customer an invitation let in (the first one; a domain invitation stays open).
    void markUsed(std::int64_t id, std::int64_t customer_id, Timestamp now);
    std::optional<InvitationRecord> findInvitation(std::int64_t id);
    std::vector<InvitationRecord> listInvitations(int limit);

    /// False when the address already waits (nothing changes then).
    bool joinWaitlist(const std::string& email, const std::string& canonical, const std::string& name,
                      const std::string& company, Timestamp now);
    std::optional<WaitlistRecord> findWaitlistEntry(std::int64_t id);
    std::optional<WaitlistRecord> waitlistEntryOfInvitation(std::int64_t invitation_id);
    std::optional<WaitlistRecord> waitlistEntryByCanonical(const std::string& canonical);
    /// Oldest first; approved entries too.
    std::vector<WaitlistRecord> listWaitlist(int limit);
    /// False when it was approved already.
    bool approve(std::int64_t id, std::int64_t invitation_id, Timestamp now);

    /// Erasure: the waitlist entry and the invitations naming this canonical address.
    void eraseAddress(const std::string& canonical);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
