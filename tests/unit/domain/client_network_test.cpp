// Issue 9 item 2: the one key every per-IP limit is counted under.

#include <gtest/gtest.h>

#include "domain/client_network.h"
#include "domain/rate_limiter.h"

namespace rsolv::domain {
namespace {

TEST(ClientNetwork, IPv4IsCountedByTheFullAddress) {
    EXPECT_EQ(clientNetwork("203.0.113.9", 64), "203.0.113.9");
    EXPECT_EQ(clientNetwork("203.0.113.9", 1), "203.0.113.9");
}

TEST(ClientNetwork, IPv6IsCountedByItsPrefix) {
    EXPECT_EQ(clientNetwork("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64), "2001:db8:1:2::/64");
    EXPECT_EQ(clientNetwork("2001:DB8:1:2::1", 64), "2001:db8:1:2::/64");
    EXPECT_EQ(clientNetwork("[2001:db8:1:2::1]", 64), "2001:db8:1:2::/64");
    EXPECT_EQ(clientNetwork("2001:db8:1:2::1", 48), "2001:db8:1::/48");
    EXPECT_EQ(clientNetwork("2001:db8:1:2::1", 56), "2001:db8:1::/56");
    EXPECT_EQ(clientNetwork("2001:db8:1:2ff::1", 56), "2001:db8:1:200::/56");
    EXPECT_EQ(clientNetwork("2001:db8:1:2::1", 128), "2001:db8:1:2::1/128");
    EXPECT_EQ(clientNetwork("2001:db8:1:2::1", 1), "::/1");
    EXPECT_EQ(clientNetwork("fe80::1", 10), "fe80::/10");
}

TEST(ClientNetwork, IPv4MappedIPv6IsTheIPv4Address) {
    EXPECT_EQ(clientNetwork("::ffff:203.0.113.9", 64), "203.0.113.9");
    EXPECT_EQ(clientNetwork("::FFFF:cb00:7109", 64), "203.0.113.9");
}

TEST(ClientNetwork, WhatIsNotAnAddressIsKeptAsItIs) {
    EXPECT_EQ(clientNetwork("", 64), "");
    EXPECT_EQ(clientNetwork("unix-socket", 64), "unix-socket");
    EXPECT_EQ(clientNetwork("2001:db8::1%eth0", 64), "2001:db8::1%eth0");
}

TEST(ClientNetwork, TheLimiterCountsEveryPerIpBucketByNetwork) {
    const RateLimiter limiter({64});
    EXPECT_EQ(limiter.bucketKey("signup:ip:2001:db8:1:2::77"), "signup:ip:2001:db8:1:2::/64");
    EXPECT_EQ(limiter.bucketKey("email_change:ip:2001:db8:1:2::77"), "email_change:ip:2001:db8:1:2::/64")
        << "any limit added later gets the same treatment";
    EXPECT_EQ(limiter.bucketKey("signin:ip:::ffff:198.51.100.4"), "signin:ip:198.51.100.4");
    EXPECT_EQ(limiter.bucketKey("signup:ip:198.51.100.4"), "signup:ip:198.51.100.4");
    EXPECT_EQ(limiter.bucketKey("signup:email:a@example.com"), "signup:email:a@example.com");
    EXPECT_EQ(RateLimiter({48}).bucketKey("signin:ip:2001:db8:1:2::77"), "signin:ip:2001:db8:1::/48");
}

}  // namespace
}  // namespace rsolv::domain
