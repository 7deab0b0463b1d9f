// The cache behind the API's keys and accounts (issue 11): entries trusted for a bounded time, emptied by clear(),
// and never refilled with a value read before the last clear().

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "common/trusted_cache.h"

namespace rsolv {
namespace {

using namespace std::chrono_literals;

TEST(TrustedCache, AnEntryIsFoundUntilItsTrustRunsOut) {
    TrustedCache<int, std::string> cache(10);
    cache.put(1, "one", cache.generation());
    EXPECT_EQ(cache.find(1, 1h), "one");
    EXPECT_FALSE(cache.find(2, 1h));
    std::this_thread::sleep_for(5ms);
    EXPECT_FALSE(cache.find(1, 1ms)) << "an entry older than its trust was used";
}

TEST(TrustedCache, AValueReadBeforeAClearIsNotKept) {
    TrustedCache<int, std::string> cache(10);
    const auto before_read = cache.generation();
    cache.clear();  // the row changed while the reader was reading
    cache.put(1, "stale", before_read);
    EXPECT_FALSE(cache.find(1, 1h));
    cache.put(1, "fresh", cache.generation());
    EXPECT_EQ(cache.find(1, 1h), "fresh");
    cache.clear();
    EXPECT_FALSE(cache.find(1, 1h));
    EXPECT_EQ(cache.size(), 0u);
}

TEST(TrustedCache, ItHoldsAtMostItsCapacity) {
    TrustedCache<int, int> cache(3);
    for (int i = 0; i < 10; ++i) cache.put(i, i, cache.generation());
    EXPECT_EQ(cache.size(), 3u);
    EXPECT_EQ(cache.find(9, 1h), 9) << "the newest entry was dropped";
}

TEST(TrustedCache, UpdateChangesOnlyAnExistingEntry) {
    TrustedCache<int, int> cache(3);
    cache.put(1, 10, cache.generation());
    cache.update(1, [](int& v) { v += 1; });
    cache.update(2, [](int& v) { v += 1; });
    EXPECT_EQ(cache.find(1, 1h), 11);
    EXPECT_FALSE(cache.find(2, 1h));
}

}  // namespace
}  // namespace rsolv
