#include "domain/fix_attempts.h"

#include <regex>
#include <set>

#include "domain/email_verification.h"
#include "domain/events.h"
#include "storage/customer_repository.h"
#include "storage/sql.h"

namespace rsolv::domain {
namespace {

// GitHub: owners are 1-39 alphanumerics or single hyphens, not at either end; names 1-100 of [A-Za-z0-9._-],
// not "." or "..".
const std::regex kRepository(R"(^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}/[A-Za-z0-9._-]{1,100}$)");
const std::regex kCommitSha(R"(^[0-9a-f]{40}$|^[0-9a-f]{64}$)");

Error invalid(const std::string& field, const std::string& message) { return {"invalid_field", field, message}; }

std::optional<Error> checkFields(const nlohmann::json& body, const std::set<std::string>& allowed) {
    if (!body.is_object()) return Error{"invalid_body", "", "The body must be a JSON object."};
    for (const auto& [name, value] : body.items())
        if (!allowed.count(name))
            return Error{"unknown_field", name, "Unknown field \"" + name + "\"."};
    return std::nullopt;
}

Result<std::optional<std::string>> optionalString(const nlohmann::json& body, const std::string& field, size_t max) {
    if (!body.contains(field) || body[field].is_null()) return std::optional<std::string>();
    if (!body[field].is_string()) return invalid(field, "\"" + field + "\" must be a string.");
    const std::string v = body[field].get<std::string>();
    if (v.empty() || v.size() > max) return invalid(field, "\"" + field + "\" must be 1 to " + std::to_string(max) + " characters.");
    for (unsigned char c : v)
        if (c < 0x20 || c == 0x7f) return invalid(field, "\"" + field + "\" must not contain control characters.");
    return std::optional<std::string>(v);
}

bool isHttpsUrl(const std::string& v) { return v.rfind("https://", 0) == 0 && v.size() > 8 && v.find(' ') == std::string::npos; }

bool isValidReference(const std::string& ref) {
    // git check-ref-format, the parts that matter here.
    if (ref.empty() || ref.size() > 255 || ref.front() == '/' || ref.back() == '/' || ref.back() == '.') return false;
    if (ref.find("..") != std::string::npos || ref.find("//") != std::string::npos || ref.find("@{") != std::string::npos)
        return false;
    for (unsigned char c : ref)
        if (c <= 0x20 || c == 0x7f || c == '~' || c == '^' || c == ':' || c == '?' || c == '*' || c == '[' || c == '\\')
            return false;
    return true;
}

/// The refund of a failed attempt, or the reason it keeps its credit; an event records either.
storage::FixAttemptRecord refundOrKeepCredit(storage::Transaction& tx, const storage::FixAttemptRecord& attempt,
                                             int max_refunds, Timestamp now) {
    storage::CustomerRepository customers(tx);
    if (const auto used = customers.refundFixCredit(attempt.customer_id, max_refunds, now)) {
        recordEvent(tx, attempt.customer_id, "fix_credit_refunded", "succeeded",
                    {{"fix_attempt_id", attempt.id}, {"refunds_used", *used}, {"refunds_limit", max_refunds}}, now);
        return storage::FixAttemptRepository(tx).recordRefund(attempt.customer_id, attempt.id, true, std::nullopt);
    }
    const auto customer = customers.findById(attempt.customer_id);
    const std::string reason = !customer || customer->trial_refunds_used >= max_refunds ? std::string(kRefundLimitReached)
                                                                                      : "nothing_to_refund";
    recordEvent(tx, attempt.customer_id, "fix_credit_refund_denied", "rejected",
                {{"fix_attempt_id", attempt.id}, {"reason", reason}, {"refunds_limit", max_refunds}}, now);
    return storage::FixAttemptRepository(tx).recordRefund(attempt.customer_id, attempt.id, false, reason);
}

}  // namespace

Result<FixAttemptInput> parseFixAttemptInput(const nlohmann::json& body) {
    if (auto e = checkFields(body, {"repository", "reference", "commit_sha", "run_url"})) return *e;
    FixAttemptInput in;
    if (!body.contains("repository")) return Error{"missing_field", "repository", "\"repository\" is required."};
    if (!body["repository"].is_string() || !std::regex_match(body["repository"].get<std::string>(), kRepository))
        return invalid("repository", "\"repository\" must be a GitHub repository as \"owner/name\".");
    in.repository = body["repository"].get<std::string>();
    if (in.repository.substr(in.repository.find('/') + 1) == "." ||
        in.repository.substr(in.repository.find('/') + 1) == "..")
        return invalid("repository", "\"repository\" must be a GitHub repository as \"owner/name\".");
    if (!body.contains("reference")) return Error{"missing_field", "reference", "\"reference\" is required."};
    if (!body["reference"].is_string() || !isValidReference(body["reference"].get<std::string>()))
        return invalid("reference", "\"reference\" must be a git branch, tag or ref such as \"main\".");
    in.reference = body["reference"].get<std::string>();
    auto sha = optionalString(body, "commit_sha", 64);
    if (!sha.ok()) return sha.error();
    if (sha.value() && !std::regex_match(*sha.value(), kCommitSha))
        return invalid("commit_sha", "\"commit_sha\" must be a full lowercase hexadecimal commit id.");
    in.commit_sha = sha.value();
    auto run = optionalString(body, "run_url", 2000);
    if (!run.ok()) return run.error();
    if (run.value() && !isHttpsUrl(*run.value())) return invalid("run_url", "\"run_url\" must be an https URL.");
    in.run_url = run.value();
    return in;
}

Result<FixAttemptUpdate> parseFixAttemptUpdate(const nlohmann::json& body) {
    if (auto e = checkFields(body, {"status", "pull_request_url", "reason"})) return *e;
    FixAttemptUpdate up;
    if (!body.contains("status")) return Error{"missing_field", "status", "\"status\" is required."};
    if (!body["status"].is_string() ||
        (body["status"].get<std::string>() != "succeeded" && body["status"].get<std::string>() != "failed"))
        return invalid("status", "\"status\" must be \"succeeded\" or \"failed\".");
    up.status = body["status"].get<std::string>();
    auto pr = optionalString(body, "pull_request_url", 2000);
    if (!pr.ok()) return pr.error();
    auto reason = optionalString(body, "reason", 1000);
    if (!reason.ok()) return reason.error();
    if (up.status == "succeeded") {
        if (!pr.value() || !isHttpsUrl(*pr.value()))
            return invalid("pull_request_url", "A succeeded attempt needs \"pull_request_url\", an https URL.");
        if (reason.value()) return invalid("reason", "\"reason\" is only for a failed attempt.");
        up.pull_request_url = pr.value();
    } else {
        if (!reason.value()) return Error{"missing_field", "reason", "A failed attempt needs a \"reason\"."};
        if (pr.value()) return invalid("pull_request_url", "\"pull_request_url\" is only for a succeeded attempt.");
        up.reason = reason.value();
    }
    return up;
}

Result<storage::FixAttemptRecord> startFixAttempt(storage::Transaction& tx, const ApiCaller& caller,
                                                  const FixAttemptInput& input, Timestamp now,
                                                  int unverified_fix_limit) {
    if (auto unverified = checkUnverifiedFixLimit(tx, caller.customer_id, unverified_fix_limit)) return *unverified;
    storage::CustomerRepository customers(tx);
    const auto credits = customers.consumeFixCredit(caller.customer_id, now);
    if (!credits)
        return Error{"trial_exhausted", "",
                     "Your trial's free fixes are all used. Visit your dashboard to see your usage and what comes next."};
    auto attempt = storage::FixAttemptRepository(tx).insert(caller.customer_id, caller.api_key_id, input.repository,
                                                            input.reference, input.commit_sha, input.run_url, now);
    if (customers.markFirstFixAttempt(caller.customer_id, now))
        recordEvent(tx, caller.customer_id, "first_fix_attempt", "succeeded",
                    {{"fix_attempt_id", attempt.id}, {"repository", input.repository}}, now);
    return attempt;
}

Result<FinishedFixAttempt> finishFixAttempt(storage::Transaction& tx, std::int64_t customer_id, std::int64_t id,
                                            const FixAttemptUpdate& update, int max_refunds, Timestamp now) {
    storage::FixAttemptRepository attempts(tx);
    auto done = attempts.finish(customer_id, id, update.status, update.pull_request_url, update.reason, false, now);
    if (!done) {
        if (!attempts.find(customer_id, id)) return Error{"not_found", "", "No fix attempt with that id."};
        return Error{"already_finished", "", "This fix attempt has already finished."};
    }
    storage::CustomerRepository customers(tx);
    FinishedFixAttempt out{*done, 0};
    if (update.status == "failed") out.attempt = refundOrKeepCredit(tx, *done, max_refunds, now);
    const auto customer = customers.findById(customer_id);
    out.refunds_remaining = customer ? std::max(0, max_refunds - customer->trial_refunds_used) : 0;
    return out;
}

nlohmann::json toJson(const storage::FixAttemptRecord& a) {
    const auto opt = [](const auto& v) -> nlohmann::json { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
    return {{"id", a.id},
            {"repository", a.repository},
            {"reference", a.reference},
            {"commit_sha", opt(a.commit_sha)},
            {"run_url", opt(a.run_url)},
            {"status", a.status},
            {"pull_request_url", opt(a.pull_request_url)},
            {"failure_reason", opt(a.failure_reason)},
            {"credit_refunded", a.credit_refunded},
            {"refund_denied_reason", opt(a.refund_denied_reason)},
            {"created_at", storage::formatTimestamp(a.created_at)},
            {"finished_at", a.finished_at ? nlohmann::json(storage::formatTimestamp(*a.finished_at)) : nlohmann::json(nullptr)}};
}

std::optional<storage::FixAttemptRecord> findFixAttempt(storage::Transaction& tx, std::int64_t customer_id,
                                                        std::int64_t id) {
    return storage::FixAttemptRepository(tx).find(customer_id, id);
}

std::vector<storage::FixAttemptRecord> listFixAttempts(storage::Transaction& tx, std::int64_t customer_id,
                                                       std::optional<std::int64_t> before_id, int limit) {
    return storage::FixAttemptRepository(tx).list(customer_id, before_id, limit);
}

}  // namespace rsolv::domain
