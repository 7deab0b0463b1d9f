// Issue 9: the variables of the security review (RSOLV_TRIAL_REFUNDS, RSOLV_IPV6_LIMIT_PREFIX), their defaults and
// the messages that name them.

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "app/config.h"

namespace rsolv::app {
namespace {

Environment envOf(std::map<std::string, std::string> vars) {
    return [vars](const char* name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

std::string errorOf(std::map<std::string, std::string> vars) {
    try {
        loadConfig(envOf(std::move(vars)));
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

TEST(ConfigSecurity, Defaults) {
    const Config c = loadConfig(envOf({}));
    EXPECT_EQ(c.trial_refunds, 3);
    EXPECT_EQ(c.ipv6_limit_prefix, 64);
}

TEST(ConfigSecurity, ReadsTheValues) {
    const Config c = loadConfig(envOf({{"RSOLV_TRIAL_REFUNDS", "0"}, {"RSOLV_IPV6_LIMIT_PREFIX", "48"}}));
    EXPECT_EQ(c.trial_refunds, 0);
    EXPECT_EQ(c.ipv6_limit_prefix, 48);
    EXPECT_EQ(loadConfig(envOf({{"RSOLV_IPV6_LIMIT_PREFIX", "128"}})).ipv6_limit_prefix, 128);
    EXPECT_EQ(loadConfig(envOf({{"RSOLV_IPV6_LIMIT_PREFIX", "1"}})).ipv6_limit_prefix, 1);
}

TEST(ConfigSecurity, RefusesValuesOutOfRangeNamingTheVariable) {
    for (const char* bad : {"0", "129", "-1", "sixty-four", "64.5"})
        EXPECT_NE(errorOf({{"RSOLV_IPV6_LIMIT_PREFIX", bad}}).find("RSOLV_IPV6_LIMIT_PREFIX"), std::string::npos) << bad;
    for (const char* bad : {"-1", "many", "1e3"})
        EXPECT_NE(errorOf({{"RSOLV_TRIAL_REFUNDS", bad}}).find("RSOLV_TRIAL_REFUNDS"), std::string::npos) << bad;
}

}  // namespace
}  // namespace rsolv::app
