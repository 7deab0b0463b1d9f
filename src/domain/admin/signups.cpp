#include "domain/admin/signups.h"

#include "common/crypto.h"
#include "domain/email_address.h"
#include "storage/new_job.h"

namespace rsolv::domain::admin {
namespace {

/// "jane@example.com" is an address; "example.com" a domain (checked as the domain part of an address would be).
struct Invitee {
    std::string kind;
    std::string value;
};
Result<Invitee> parseInvitee(std::string_view typed) {
    const std::string text(typed);
    if (text.find('@') != std::string::npos) {
        auto address = parseEmail(text);
        if (!address.ok()) return Error{"invalid_email", "invitee", address.error().message};
        return Invitee{"email", address.value().canonical};
    }
    auto probe = parseEmail("invitee@" + text);
    if (!probe.ok() || probe.value().domain.find('.') == std::string::npos)
        return Error{"invalid_domain", "invitee", "Type an email address or a domain such as example.com."};
    return Invitee{"domain", probe.value().domain};
}

}  // namespace

Result<std::string> setSignupMode(storage::Transaction& tx, std::string_view mode, const Actor& actor,
                                  std::string_view typed_reason, Timestamp now) {
    const auto parsed = parseSignupMode(mode);
    if (!parsed) return Error{"invalid_mode", "mode", "The mode is open, invite or closed."};
    auto reason = checkReason(typed_reason);
    if (!reason.ok()) return reason.error();
    storage::SignupRepository signups(tx);
    const std::string before = signups.mode();
    if (!signups.setMode(std::string(mode), now))
        return Error{"unchanged", "mode", "Signups are already " + std::string(mode) + "."};
    audit(tx, actor, reason.value(),
          {"signup_mode.set", "signup_mode", "mode", std::nullopt, {{"mode", before}}, {{"mode", std::string(mode)}}},
          now);
    return "Signups are now " + std::string(mode) + ".";
}

Result<std::string> invite(storage::Transaction& tx, std::string_view email_or_domain, const Actor& actor,
                           std::string_view typed_reason, Timestamp now) {
    const auto invitee = parseInvitee(email_or_domain);
    if (!invitee.ok()) return invitee.error();
    auto reason = checkReason(typed_reason);
    if (!reason.ok()) return reason.error();
    const auto& [kind, value] = invitee.value();
    const auto id = storage::SignupRepository(tx).insertInvitation(kind, value, std::nullopt, actor.name, now);
    if (!id) return Error{"unchanged", "invitee", value + " is invited already."};
    // An address stays out of the append-only log (an erasure could not remove it); a domain names nobody.
    nlohmann::json after = {{"kind", kind}};
    if (kind == "domain") after["domain"] = value;
    if (kind == "email") {
        // The address is told, once (the job's unique key), by the job that emails waitlist approvals.
        storage::enqueue(tx,
                         {std::string(kInvitationJob), {{"invitation_id", *id}},
                          std::string(kInvitationJob) + ":" + std::to_string(*id), now},
                         now);
        after["queued"] = std::string(kInvitationJob);
    }
    audit(tx, actor, reason.value(),
          {"invitation.create", "invitation", std::to_string(*id), std::nullopt, nlohmann::json::object(), after}, now);
    return kind == "email" ? "Invited " + value + ": they can sign up now, and an invitation email is on its way."
                           : "Invited everyone at " + value + ": they can sign up now.";
}

Result<std::string> approveWaitlistEntry(storage::Transaction& tx, std::int64_t waitlist_id, const Actor& actor,
                                         std::string_view typed_reason, Timestamp now, const std::string& seal_key) {
    auto reason = checkReason(typed_reason);
    if (!reason.ok()) return reason.error();
    storage::SignupRepository signups(tx);
    const auto entry = signups.findWaitlistEntry(waitlist_id);
    if (!entry) return Error{"not_found", "", "No waitlist entry has that id."};
    if (entry->approved_at) return Error{"unchanged", "", entry->email + " was approved already."};
    const std::string token = crypto::randomToken(32);
    const auto invitation =
        signups.insertInvitation("link", entry->email_canonical, invitationTokenHash(token), actor.name, now);
    if (!invitation || !signups.approve(waitlist_id, *invitation, now))
        return Error{"unchanged", "", entry->email + " was approved already."};
    storage::enqueue(tx,
                     {std::string(kInvitationJob),
                      {{"invitation_id", *invitation}, {"sealed_token", crypto::seal(seal_key, token)}},
                      std::string(kInvitationJob) + ":" + std::to_string(*invitation), now},
                     now);
    audit(tx, actor, reason.value(),
          {"waitlist.approve", "waitlist", std::to_string(waitlist_id), std::nullopt, {{"approved", false}},
           {{"approved", true}, {"invitation_id", *invitation}, {"queued", std::string(kInvitationJob)}}},
          now);
    return "Approved: an invitation is on its way to " + entry->email + ".";
}

Result<std::int64_t> waitlistIdByEmail(storage::Transaction& tx, std::string_view email) {
    const auto address = parseEmail(email);
    if (!address.ok()) return Error{"invalid_email", "email", address.error().message};
    const auto entry = storage::SignupRepository(tx).waitlistEntryByCanonical(address.value().canonical);
    if (!entry) return Error{"not_found", "email", "The waitlist has no entry for " + std::string(email) + "."};
    return entry->id;
}

SignupsOverview signupsOverview(storage::Transaction& tx, int limit) {
    storage::SignupRepository signups(tx);
    return {parseSignupMode(signups.mode()).value_or(SignupMode::Closed), signups.listInvitations(limit),
            signups.listWaitlist(limit)};
}

}  // namespace rsolv::domain::admin
