// The per-key limit's sliding window (domain/api_usage.h) over the three sets of per-second counts an instance keeps:
// the shared row as last read, the counts being flushed, and the counts since.

#include <gtest/gtest.h>

#include "domain/api_usage.h"

namespace rsolv::domain {
namespace {

using namespace std::chrono_literals;

Timestamp at(double seconds) { return Timestamp(std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds))); }

TEST(SlidingWindow, CountsEverySetAndRefusesAtTheLimit) {
    const SecondCounts shared{{100, 2}}, flushing{{101, 1}}, pending{{102, 1}};
    EXPECT_TRUE(slideWindow({&shared, &flushing, &pending}, 5, 60s, at(102.5)).allowed);
    const auto refused = slideWindow({&shared, &flushing, &pending}, 4, 60s, at(102.5));
    EXPECT_FALSE(refused.allowed);
    // Second 100's two requests leave the window at 161 (its start second is counted whole): then 2 of 4 remain.
    EXPECT_EQ(refused.retry_after, at(161) - at(102.5));
}

TEST(SlidingWindow, SecondsBeforeTheWindowOrAfterNowDoNotCount) {
    const SecondCounts old_and_future{{30, 50}, {200, 50}}, recent{{100, 1}};
    EXPECT_TRUE(slideWindow({&old_and_future, &recent}, 2, 60s, at(102)).allowed);
    EXPECT_FALSE(slideWindow({&old_and_future, &recent}, 1, 60s, at(102)).allowed);
}

TEST(SlidingWindow, ARefusalWaitsAtLeastASecond) {
    const SecondCounts full{{100, 3}};
    const auto d = slideWindow({&full}, 3, 60s, at(160.9));
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.retry_after, 1s);
}

}  // namespace
}  // namespace rsolv::domain
