// Issue 9 item 2 on both backends: per-IP limits count an IPv6 client by its network (RSOLV_IPV6_LIMIT_PREFIX, /64 by
// default), since one customer line gets a whole /64; an IPv4-mapped IPv6 address counts as the IPv4 address. The
// client addresses are chosen with X-Forwarded-For through a trusted proxy (the test's loopback peer).

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "integration/dashboard_test_helpers.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

HttpResponse signupFrom(TestApp& app, const std::string& email, const std::string& client) {
    HttpClient browser(app.port(), app.publicUrl());
    return browser.signup(email, "Vee Six", "", {{"X-Forwarded-For", client}});
}

HttpResponse loginFrom(TestApp& app, const std::string& email, const std::string& client) {
    HttpClient browser(app.port(), app.publicUrl());
    const std::string token = csrfOf(browser.get("/login").body);
    return browser.postForm("/login", {{"csrf_token", token}, {"email", email}}, {{"X-Forwarded-For", client}});
}

std::function<void(app::Config&)> behindProxy(std::function<void(app::Config&)> more = {}) {
    return dashboardConfig([more](app::Config& c) {
        c.trusted_proxies = {"127.0.0.1/32"};
        if (more) more(c);
    });
}

/// A distinct address in 2001:db8:1:2::/64 for each i (the interface identifier varies in all its bits).
/// The address as the server writes it (RFC 5952: zeros compressed).
std::string canonicalIpv6(const std::string& address) {
    in6_addr bytes{};
    EXPECT_EQ(inet_pton(AF_INET6, address.c_str(), &bytes), 1) << address;
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, &bytes, text, sizeof text);
    return text;
}

std::string inOneSlash64(int i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "2001:db8:1:2:%x:%x:%x:%x", 0x1000 + i * 7, i * 977 % 0xffff, i, 0xff00 - i);
    return buf;
}

class Ipv6Limits : public ::testing::TestWithParam<Backend> {};

TEST_P(Ipv6Limits, TwelveSignupsFromOneSlash64AreOneClient) {
    TestApp app(GetParam(), behindProxy());
    std::map<int, int> by_status;
    for (int i = 0; i < 12; ++i) ++by_status[signupFrom(app, nthEmail("six", i), inOneSlash64(i)).status];
    EXPECT_EQ(by_status[303], 10) << "the per-IP limit is 10 an hour";
    EXPECT_EQ(by_status[429], 2) << "12 of 12 went through: each IPv6 address counted on its own";
    EXPECT_EQ(app.count("customers"), 10);

    // The next /64 is another client.
    EXPECT_EQ(signupFrom(app, "neighbour@example.com", "2001:db8:1:3::1").status, 303);
    // The session still records the full address the client came from.
    EXPECT_EQ(app.count("sessions", "ip = '" + canonicalIpv6(inOneSlash64(0)) + "'"), 1);
}

TEST_P(Ipv6Limits, TwentyFiveLoginRequestsFromOneSlash64AreOneClient) {
    TestApp app(GetParam(), behindProxy());
    std::map<int, int> by_status;
    for (int i = 0; i < 25; ++i) ++by_status[loginFrom(app, nthEmail("who", i), inOneSlash64(i)).status];
    EXPECT_EQ(by_status[303], 20) << "the per-IP limit is 20 an hour";
    EXPECT_EQ(by_status[429], 5) << "25 of 25 went through: each IPv6 address counted on its own";
    EXPECT_EQ(loginFrom(app, "elsewhere@example.com", "2001:db8:ffff::1").status, 303);
}

TEST_P(Ipv6Limits, ThePrefixIsConfigurable) {
    TestApp app(GetParam(), behindProxy([](app::Config& c) { c.ipv6_limit_prefix = 48; }));
    // Ten different /64s of one /48: one client.
    for (int i = 0; i < 10; ++i)
        EXPECT_EQ(signupFrom(app, nthEmail("p", i), "2001:db8:7:" + std::to_string(i) + "::1").status, 303) << i;
    EXPECT_EQ(signupFrom(app, "eleventh@example.com", "2001:db8:7:ff::1").status, 429);
    EXPECT_EQ(signupFrom(app, "other48@example.com", "2001:db8:8::1").status, 303);
}

TEST_P(Ipv6Limits, IPv4MappedCountsAsTheIPv4Address) {
    TestApp app(GetParam(), behindProxy());
    for (int i = 0; i < 5; ++i) EXPECT_EQ(signupFrom(app, nthEmail("v4", i), "203.0.113.9").status, 303) << i;
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(signupFrom(app, nthEmail("mapped", i), "::ffff:203.0.113.9").status, 303) << i;
    EXPECT_EQ(signupFrom(app, "eleventh@example.com", "::ffff:cb00:7109").status, 429)
        << "::ffff:203.0.113.9 is 203.0.113.9";
    // A neighbouring IPv4 address is another client: IPv4 is counted by the full address.
    EXPECT_EQ(signupFrom(app, "neighbour@example.com", "203.0.113.10").status, 303);
}

INSTANTIATE_TEST_SUITE_P(Backends, Ipv6Limits, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
