#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace rsolv::storage {

struct AlertStateRecord {
    std::string name;
    bool firing = false;
    bool announced = false;
    std::optional<Timestamp> since;
    std::string detail;
    std::optional<Timestamp> last_notified_at;
};

/// The rows of built-in alerting: alert states, the cluster-wide evaluation slot, instance heartbeats, and the
/// counts the conditions are computed from.
class AlertRepository {
public:
    explicit AlertRepository(Transaction& tx) : tx_(tx) {}

    std::optional<Timestamp> lastEvaluation();
    void recordEvaluation(Timestamp at, const std::string& instance);

    std::vector<AlertStateRecord> states();
    void saveState(const AlertStateRecord& state, Timestamp now);

    void heartbeat(const std::string& instance, Timestamp now);
    void forgetInstance(const std::string& instance);
    /// Instances last seen between `forgotten_before` and `silent_since`.
    std::vector<std::string> silentInstances(Timestamp silent_since, Timestamp forgotten_before);
    void pruneInstances(Timestamp forgotten_before);

    std::int64_t countEvents(std::string_view event_type, Timestamp since);
    /// details of the events of a type since a time (JSON text).
    std::vector<std::string> eventDetails(std::string_view event_type, Timestamp since);
    std::optional<Timestamp> oldestDueJob(Timestamp now);
    std::int64_t deadJobsSince(Timestamp since);
    /// Email jobs (kind email.*) that failed an attempt (retrying or dead) since a time.
    std::int64_t failedEmailJobsSince(Timestamp since);

private:
    Transaction& tx_;
};

}  // namespace rsolv::storage
