#include <gtest/gtest.h>

#include "domain/alerting.h"

namespace rsolv::domain {
namespace {

using namespace std::chrono_literals;

TEST(AlertTransition, AnnouncesOnceWhenFiringAndOnceWhenResolved) {
    storage::AlertStateRecord s;
    s.name = "x";
    const Timestamp t0{};
    AlertCheck bad{"x", "X", true, "bad"}, good{"x", "X", false, "good"};
    EXPECT_EQ(alertTransition(s, bad, t0, 30min), "firing");
    EXPECT_EQ(alertTransition(s, bad, t0 + 1min, 30min), std::nullopt);
    EXPECT_EQ(alertTransition(s, good, t0 + 2min, 30min), "resolved");
    EXPECT_EQ(alertTransition(s, good, t0 + 3min, 30min), std::nullopt);
}

TEST(AlertTransition, CooldownHoldsARefiringBackUntilItIsOver) {
    storage::AlertStateRecord s;
    s.name = "x";
    const Timestamp t0{};
    AlertCheck bad{"x", "X", true, "bad"}, good{"x", "X", false, "good"};
    EXPECT_EQ(alertTransition(s, bad, t0, 30min), "firing");
    EXPECT_EQ(alertTransition(s, good, t0 + 1min, 30min), "resolved");
    EXPECT_EQ(alertTransition(s, bad, t0 + 2min, 30min), std::nullopt) << "flapping within the cooldown";
    EXPECT_EQ(alertTransition(s, good, t0 + 3min, 30min), std::nullopt) << "a firing never announced resolves quietly";
    EXPECT_EQ(alertTransition(s, bad, t0 + 20min, 30min), std::nullopt);
    EXPECT_EQ(alertTransition(s, bad, t0 + 31min, 30min), "firing") << "still firing once the cooldown is over";
}

}  // namespace
}  // namespace rsolv::domain
