#include "domain/alerting.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "domain/events.h"
#include "storage/new_job.h"

namespace rsolv::domain {
namespace {

using std::chrono::minutes;

constexpr Duration kProvisioningWindow = minutes(30);
constexpr double kMaxFailureRatio = 0.01;      // RFC-065: success rate above 99 %
constexpr std::int64_t kMaxP99Millis = 5000;  // RFC-065: provisioning under 5 s
constexpr Duration kMaxJobWait = minutes(5);
constexpr Duration kRecentWindow = minutes(15);
constexpr Duration kInstanceSilence = minutes(3);
constexpr Duration kInstanceForgotten = minutes(60);
constexpr Duration kEvaluationSlack = std::chrono::seconds(5);

std::string percent(double ratio) { return fmt::format("{:.1f} %", ratio * 100); }

AlertCheck provisioningFailures(storage::AlertRepository& repo, Timestamp now) {
    const auto failed = repo.countEvents(event::kProvisioningFailed, now - kProvisioningWindow);
    const auto done = repo.countEvents(event::kProvisioningCompleted, now - kProvisioningWindow);
    const double ratio = failed + done == 0 ? 0.0 : double(failed) / double(failed + done);
    return {std::string(alert::kProvisioningFailures), alertTitle(alert::kProvisioningFailures), ratio > kMaxFailureRatio,
            fmt::format("{} of {} provisioning attempts failed in the last 30 minutes ({}; RFC-065: success above "
                        "99 %)",
                        failed, failed + done, percent(ratio))};
}

AlertCheck provisioningSlow(storage::AlertRepository& repo, Timestamp now) {
    std::vector<std::int64_t> millis;
    for (const auto& text : repo.eventDetails(event::kProvisioningCompleted, now - kProvisioningWindow)) {
        const auto details = nlohmann::json::parse(text, nullptr, false);
        if (details.is_object() && details.contains("duration_ms") && details["duration_ms"].is_number())
            millis.push_back(details["duration_ms"].get<std::int64_t>());
    }
    std::int64_t p99 = 0;
    if (!millis.empty()) {
        std::sort(millis.begin(), millis.end());
        p99 = millis[static_cast<size_t>(std::ceil(0.99 * double(millis.size()))) - 1];
    }
    return {std::string(alert::kProvisioningSlow), alertTitle(alert::kProvisioningSlow), p99 > kMaxP99Millis,
            fmt::format("p99 provisioning time over the last 30 minutes: {} ms ({} signups; RFC-065: under 5 s)", p99,
                        millis.size())};
}

AlertCheck jobsWaiting(storage::AlertRepository& repo, Timestamp now) {
    const auto oldest = repo.oldestDueJob(now);
    const auto waited = oldest ? std::chrono::duration_cast<std::chrono::seconds>(now - *oldest).count() : 0;
    return {std::string(alert::kJobsWaiting), alertTitle(alert::kJobsWaiting),
            oldest && now - *oldest > kMaxJobWait,
            fmt::format("the oldest due job has waited {} s (workers: RSOLV_WORKERS, rsolv worker)", waited)};
}

AlertCheck deadJobs(storage::AlertRepository& repo, Timestamp now) {
    const auto n = repo.deadJobsSince(now - kRecentWindow);
    return {std::string(alert::kDeadJobs), alertTitle(alert::kDeadJobs), n > 0,
            fmt::format("{} job(s) died in the last 15 minutes; their last_error is in the jobs table", n)};
}

AlertCheck emailFailures(storage::AlertRepository& repo, Timestamp now) {
    const auto n = repo.failedEmailJobsSince(now - kRecentWindow);
    return {std::string(alert::kEmailFailures), alertTitle(alert::kEmailFailures), n > 0,
            fmt::format("{} email job(s) failed an attempt in the last 15 minutes (refused or unreachable mail "
                        "server)",
                        n)};
}

AlertCheck instanceDown(storage::AlertRepository& repo, Timestamp now) {
    const auto silent = repo.silentInstances(now - kInstanceSilence, now - kInstanceForgotten);
    std::string names;
    for (const auto& s : silent) names += (names.empty() ? "" : ", ") + s;
    return {std::string(alert::kInstanceDown), alertTitle(alert::kInstanceDown), !silent.empty(),
            silent.empty() ? "every instance reported within 3 minutes"
                           : "no heartbeat for over 3 minutes from: " + names};
}

}  // namespace

std::string alertTitle(std::string_view name) {
    static const std::map<std::string_view, std::string_view> titles = {
        {alert::kProvisioningFailures, "Provisioning failures above 1 %"},
        {alert::kProvisioningSlow, "Provisioning p99 above 5 s"},
        {alert::kJobsWaiting, "A job has waited more than 5 minutes"},
        {alert::kDeadJobs, "New dead jobs"},
        {alert::kEmailFailures, "Email sending fails"},
        {alert::kInstanceDown, "An instance stopped reporting"},
    };
    const auto it = titles.find(name);
    return std::string(it == titles.end() ? name : it->second);
}

std::vector<storage::AlertStateRecord> storedAlertStates(storage::Transaction& tx) {
    auto states = storage::AlertRepository(tx).states();
    std::stable_sort(states.begin(), states.end(), [](const auto& a, const auto& b) { return a.firing > b.firing; });
    return states;
}

std::vector<AlertCheck> checkAlertConditions(storage::Transaction& tx, Timestamp now) {
    storage::AlertRepository repo(tx);
    return {provisioningFailures(repo, now), provisioningSlow(repo, now), jobsWaiting(repo, now),
            deadJobs(repo, now),             emailFailures(repo, now),    instanceDown(repo, now)};
}

std::optional<std::string> alertTransition(storage::AlertStateRecord& s, const AlertCheck& check, Timestamp now,
                                           Duration cooldown) {
    s.detail = check.detail;
    if (check.firing) {
        if (!s.firing) {
            s.firing = true;
            s.since = now;
            s.announced = false;
        }
        const bool cooled = !s.last_notified_at || now - *s.last_notified_at >= cooldown;
        if (s.announced || !cooled) return std::nullopt;
        s.announced = true;
        s.last_notified_at = now;
        return "firing";
    }
    if (!s.firing) return std::nullopt;
    const bool announced = s.announced;
    s.firing = false;
    s.announced = false;
    if (!announced) return std::nullopt;
    s.last_notified_at = now;
    return "resolved";
}

Alerting::Alerting(storage::Database& db, const Clock& clock, AlertPolicy policy)
    : db_(db), clock_(clock), policy_(std::move(policy)) {}

std::vector<AlertNotice> Alerting::tick() {
    const Timestamp now = clock_.now();
    storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
        storage::AlertRepository(tx).heartbeat(policy_.instance, now);
    });
    const auto notices = storage::inTransaction(db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
        tx.lockKey("alerts:evaluate");
        storage::AlertRepository repo(tx);
        const auto last = repo.lastEvaluation();
        if (last && now >= *last && now - *last < policy_.interval - kEvaluationSlack) return std::vector<AlertNotice>{};
        repo.recordEvaluation(now, policy_.instance);
        repo.pruneInstances(now - kInstanceForgotten);
        return evaluate(tx, now);
    });
    for (const auto& n : notices)
        spdlog::warn("alert {} {}: {}", n.name, n.state, n.detail);
    return notices;
}

std::vector<AlertNotice> Alerting::evaluate(storage::Transaction& tx, Timestamp now) {
    storage::AlertRepository repo(tx);
    std::map<std::string, storage::AlertStateRecord> states;
    for (auto& s : repo.states()) states[s.name] = s;
    std::vector<AlertNotice> notices;
    for (const auto& check : checkAlertConditions(tx, now)) {
        auto& state = states[check.name];
        state.name = check.name;
        const auto change = alertTransition(state, check, now, policy_.cooldown);
        repo.saveState(state, now);
        if (!change) continue;
        notices.push_back({check.name, check.title, *change, check.detail});
        enqueueNotice(tx, notices.back(), state, now);
    }
    return notices;
}

void Alerting::enqueueNotice(storage::Transaction& tx, const AlertNotice& n, const storage::AlertStateRecord& state,
                             Timestamp now) {
    const std::string at = storage::formatTimestamp(now);
    nlohmann::json payload = {{"alert", n.name}, {"title", n.title},   {"state", n.state},
                              {"detail", n.detail}, {"at", at},
                              {"since", state.since ? storage::formatTimestamp(*state.since) : at}};
    const std::string key = "alert:" + n.name + ":" + n.state + ":" + at;
    for (const auto& to : policy_.emails) {
        auto p = payload;
        p["to"] = to;
        storage::enqueue(tx, {std::string(alert_job::kEmail), p, key + ":email:" + to, now}, now);
    }
    if (policy_.webhook) {
        auto p = payload;
        p["id"] = "msg_" + crypto::hex(crypto::randomBytes(12));  // the same on every retry of this delivery
        storage::enqueue(tx, {std::string(alert_job::kWebhook), p, key + ":webhook", now}, now);
    }
}

void Alerting::forgetInstance() {
    storage::inTransaction(db_, storage::TxMode::Write,
                           [&](storage::Transaction& tx) { storage::AlertRepository(tx).forgetInstance(policy_.instance); });
}

std::vector<storage::AlertStateRecord> Alerting::states() {
    return storage::inTransaction(db_, storage::TxMode::Read,
                                  [](storage::Transaction& tx) { return storage::AlertRepository(tx).states(); });
}

}  // namespace rsolv::domain
