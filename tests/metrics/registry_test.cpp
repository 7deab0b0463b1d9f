#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "metrics/metrics_server.h"
#include "metrics/registry.h"

namespace rsolv::metrics {
namespace {

TEST(Exposition, EscapesLabelValuesAndWritesHelpAndType) {
    Exposition out;
    out.family("x_total", "Things.\nCounted", "counter");
    out.sample("x_total", {{"route", "/a\"b\\c\nd"}}, 3ULL);
    EXPECT_EQ(out.text(), "# HELP x_total Things.\\nCounted\n# TYPE x_total counter\nx_total{route=\"/a\\\"b\\\\c\\nd\"} 3\n");
}

TEST(Exposition, FormatsValues) {
    EXPECT_EQ(formatValue(0.25), "0.25");
    EXPECT_EQ(formatValue(5), "5");
    EXPECT_EQ(formatValue(1.0 / 0.0), "+Inf");
}

TEST(Registry, CountersCountEveryIncrementFromManyThreads) {
    Registry registry;
    auto& c = registry.counter("hits_total", "Hits.", {"status"});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) c.inc({i % 2 ? "200" : "404"});
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(c.value({"200"}), 20000u);
    EXPECT_EQ(c.value({"404"}), 20000u);
    EXPECT_NE(registry.render().find("hits_total{status=\"200\"} 20000\n"), std::string::npos);
}

TEST(Registry, HistogramBucketsAreCumulativeWithSumAndCount) {
    Registry registry;
    auto& h = registry.histogram("d_seconds", "Durations.", {"route"}, {0.1, 1});
    h.observe({"/a"}, 0.05);
    h.observe({"/a"}, 0.1);  // on the bound: counted in le="0.1"
    h.observe({"/a"}, 0.5);
    h.observe({"/a"}, 7);
    EXPECT_EQ(registry.render(),
              "# HELP d_seconds Durations.\n# TYPE d_seconds histogram\n"
              "d_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n"
              "d_seconds_bucket{route=\"/a\",le=\"1\"} 3\n"
              "d_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n"
              "d_seconds_sum{route=\"/a\"} 7.65\n"
              "d_seconds_count{route=\"/a\"} 4\n");
}

TEST(MetricsListen, ParsesHostAndPort) {
    std::string host;
    unsigned short port = 0;
    EXPECT_TRUE(parseListenAddress("127.0.0.1:9464", host, port));
    EXPECT_EQ(host, "127.0.0.1");
    EXPECT_EQ(port, 9464);
    EXPECT_TRUE(parseListenAddress("[::1]:0", host, port));
    EXPECT_EQ(host, "::1");
    EXPECT_FALSE(parseListenAddress("9464", host, port));
    EXPECT_FALSE(parseListenAddress("host:99999", host, port));
    EXPECT_FALSE(parseListenAddress("host:", host, port));
}

}  // namespace
}  // namespace rsolv::metrics
