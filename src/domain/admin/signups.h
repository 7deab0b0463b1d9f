#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "domain/admin/audit.h"
#include "domain/signup_mode.h"
#include "storage/database.h"
#include "storage/signup_repository.h"

namespace rsolv::domain::admin {

/// The job kind that emails an invitation: a waitlisted address its single-use link, an invited address the way to
/// sign up.
inline constexpr std::string_view kInvitationJob = "email.invitation";

/// Sets the signup mode ("open", "invite" or "closed"), audited. Error "unchanged" when it already is.
Result<std::string> setSignupMode(storage::Transaction& tx, std::string_view mode, const Actor& actor,
                                  std::string_view reason, Timestamp now);

/// Invites an address ("jane@example.com") or a whole domain ("example.com"), audited. An invited address is emailed
/// through the job queue. Error "unchanged" when it is invited already.
Result<std::string> invite(storage::Transaction& tx, std::string_view email_or_domain, const Actor& actor,
                           std::string_view reason, Timestamp now);

/// Approves a waitlist entry: a single-use invitation link, emailed through the job queue (its token sealed under
/// `seal_key` in the job until the email is sent), audited. Error "unchanged" when it was approved already.
Result<std::string> approveWaitlistEntry(storage::Transaction& tx, std::int64_t waitlist_id, const Actor& actor,
                                         std::string_view reason, Timestamp now, const std::string& seal_key);
/// The waitlist entry of an address, for the command line.
Result<std::int64_t> waitlistIdByEmail(storage::Transaction& tx, std::string_view email);

/// What /admin/signups shows.
struct SignupsOverview {
    SignupMode mode = SignupMode::Open;
    std::vector<storage::InvitationRecord> invitations;  ///< newest first
    std::vector<storage::WaitlistRecord> waitlist;       ///< oldest first
};
SignupsOverview signupsOverview(storage::Transaction& tx, int limit);

}  // namespace rsolv::domain::admin
