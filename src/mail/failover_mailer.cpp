#include "mail/failover_mailer.h"

#include <spdlog/spdlog.h>

namespace rsolv::mail {
namespace {

using Kind = SendResult::Kind;

/// Whether the transport itself failed: no session at all, or a 4xx (the server is there but takes nothing).
bool transportFailed(const std::vector<SendResult>& results) {
    bool failed = false;
    for (const auto& r : results) {
        if (r.kind == Kind::Sent || r.kind == Kind::Permanent) return false;  // it answered for an address
        if (r.kind == Kind::Unavailable || r.kind == Kind::Transient) failed = true;
    }
    return failed;
}

}  // namespace

FailoverMailer::FailoverMailer(std::unique_ptr<Mailer> primary, std::unique_ptr<Mailer> fallback,
                               BreakerSettings settings, MonotonicClock& ticks)
    : primary_(std::move(primary)),
      fallback_(std::move(fallback)),
      primary_breaker_(settings, ticks),
      fallback_breaker_(settings, ticks) {}

std::string FailoverMailer::describe() const {
    return primary_->describe() + (fallback_ ? " (fallback " + fallback_->describe() + ")" : "");
}

bool FailoverMailer::usable(Mailer& mailer, CircuitBreaker& breaker, const char* name) {
    if (breaker.closed()) return true;
    if (!breaker.claimProbe()) return false;
    counters_.probes.fetch_add(1);
    if (mailer.probe()) {
        breaker.recordSuccess();
        spdlog::info("mail: {} transport {} answers again; sending through it", name, mailer.describe());
        return true;
    }
    counters_.failed_probes.fetch_add(1);
    breaker.recordFailure();
    return false;
}

void FailoverMailer::closeIdle() {
    primary_->closeIdle();
    if (fallback_) fallback_->closeIdle();
}

bool FailoverMailer::ready() {
    closeIdle();
    // The primary is probed even while the fallback carries the mail, so mail returns to it.
    if (usable(*primary_, primary_breaker_, "primary")) return true;
    return fallback_ && usable(*fallback_, fallback_breaker_, "fallback");
}

std::vector<SendResult> FailoverMailer::sendVia(Mailer& mailer, CircuitBreaker& breaker,
                                                const std::vector<EmailMessage>& batch) {
    auto results = mailer.send(batch);
    if (transportFailed(results)) {
        {
            std::lock_guard lock(mutex_);
            last_failure_ = results.empty() ? std::string() : results.front().detail;
        }
        if (breaker.recordFailure())
            spdlog::warn("mail: {} is failing ({}); holding its mail and probing it", mailer.describe(),
                         results.empty() ? "" : results.front().detail);
    } else {
        breaker.recordSuccess();
    }
    return results;
}

std::vector<SendResult> FailoverMailer::send(const std::vector<EmailMessage>& batch) {
    std::string held;
    {
        std::lock_guard lock(mutex_);
        held = "held while the mail server is unreachable: " + last_failure_;
    }
    std::vector<SendResult> results(batch.size(), SendResult{Kind::Unavailable, held});
    std::vector<std::size_t> waiting;  // messages nothing was handed over for yet
    for (std::size_t i = 0; i < batch.size(); ++i) waiting.push_back(i);

    auto attempt = [&](Mailer& mailer, CircuitBreaker& breaker, std::atomic<std::uint64_t>& sent) {
        std::vector<EmailMessage> part;
        for (auto i : waiting) part.push_back(batch[i]);
        const auto got = sendVia(mailer, breaker, part);
        std::vector<std::size_t> still;
        for (std::size_t k = 0; k < waiting.size(); ++k) {
            results[waiting[k]] = got[k];
            if (got[k].kind == Kind::Unavailable) still.push_back(waiting[k]);
            if (got[k].kind == Kind::Sent) sent.fetch_add(1);
        }
        waiting = std::move(still);
    };
    if (primary_breaker_.closed()) attempt(*primary_, primary_breaker_, counters_.sent_primary);
    // Only what was never handed over goes to the fallback, and only once the primary's breaker is open.
    if (!waiting.empty() && fallback_ && !primary_breaker_.closed() && fallback_breaker_.closed())
        attempt(*fallback_, fallback_breaker_, counters_.sent_fallback);
    counters_.unavailable.fetch_add(waiting.size());
    return results;
}

}  // namespace rsolv::mail
