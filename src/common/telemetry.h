#pragma once

#include <optional>
#include <string_view>

namespace rsolv {

/// What the service tells its monitoring about finished work. Domain, jobs and http report through this interface,
/// so none of them includes a metrics header; `metrics::ServiceMetrics` implements it (README "Monitoring").
/// Implementations are called from many threads and must be cheap.
class Telemetry {
public:
    virtual ~Telemetry() = default;
    /// A finished HTTP request: `route` is the matched route's pattern (never the raw path), or "unmatched".
    virtual void requestFinished(std::string_view method, std::string_view route, int status, double seconds) {}
    /// A finished signup: provisioned, duplicate, invalid, disposable, rate_limited or failed; `seconds` from the
    /// request's arrival to the commit, for provisioned signups.
    virtual void signupFinished(std::string_view outcome, std::optional<double> seconds) {}
    /// One email handed to the mail server: result is sent, transient or permanent.
    virtual void emailFinished(std::string_view kind, std::string_view result) {}
};

/// Reports nothing: the default wherever no monitoring is wired.
inline Telemetry& noTelemetry() {
    static Telemetry none;
    return none;
}

}  // namespace rsolv
