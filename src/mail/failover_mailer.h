#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/monotonic_clock.h"
#include "mail/circuit_breaker.h"
#include "mail/mailer.h"

namespace rsolv::mail {

/// What the failover transport did, for metrics: plain counters read at any time.
struct TransportCounters {
    std::atomic<std::uint64_t> sent_primary{0};
    std::atomic<std::uint64_t> sent_fallback{0};
    std::atomic<std::uint64_t> unavailable{0};  ///< messages that waited because no transport could take them
    std::atomic<std::uint64_t> probes{0};
    std::atomic<std::uint64_t> failed_probes{0};
};

/// The process's mail transport: a primary and an optional fallback, each behind its own circuit breaker shared by
/// every worker thread. Mail goes through the primary while its breaker is closed, else through the fallback while
/// the fallback's is closed, else nowhere (Unavailable: it waits, spending no attempt). Probes of an open breaker
/// happen in ready(), at most once per probe interval per transport; the primary's closes it again and mail
/// returns to the primary. A 5xx for an address is Permanent whichever transport said it. The Message-ID is the
/// same whichever transport sends, and the caller records deliveries by it, so an email goes out once across both.
class FailoverMailer final : public Mailer {
public:
    /// `fallback` may be null.
    FailoverMailer(std::unique_ptr<Mailer> primary, std::unique_ptr<Mailer> fallback, BreakerSettings settings,
                   MonotonicClock& ticks);

    std::vector<SendResult> send(const std::vector<EmailMessage>& batch) override;
    std::string describe() const override;
    bool probe() override { return primary_->probe(); }
    bool ready() override;
    void closeIdle() override;

    const CircuitBreaker& primaryBreaker() const { return primary_breaker_; }
    const CircuitBreaker* fallbackBreaker() const { return fallback_ ? &fallback_breaker_ : nullptr; }
    const TransportCounters& counters() const { return counters_; }

private:
    /// Probes `mailer` if its breaker is open and a probe is due; true when the breaker is (now) closed.
    bool usable(Mailer& mailer, CircuitBreaker& breaker, const char* name);
    /// Sends through one transport and tells its breaker how the transport fared.
    std::vector<SendResult> sendVia(Mailer& mailer, CircuitBreaker& breaker, const std::vector<EmailMessage>& batch);

    std::unique_ptr<Mailer> primary_;
    std::unique_ptr<Mailer> fallback_;
    CircuitBreaker primary_breaker_;
    CircuitBreaker fallback_breaker_;
    TransportCounters counters_;
    std::mutex mutex_;
    std::string last_failure_;  ///< what the last transport failure said, for the held mail's last_error
};

}  // namespace rsolv::mail
