#include <gtest/gtest.h>

#include <map>

#include "app/config.h"

namespace rsolv::app {
namespace {

Config load(std::map<std::string, std::string> vars) {
    return loadConfig([vars](const char* name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        return it == vars.end() ? std::nullopt : std::optional(it->second);
    });
}

std::string errorOf(std::map<std::string, std::string> vars) {
    try {
        load(std::move(vars));
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

TEST(MetricsConfig, ListensOnLoopback9464ByDefaultAndEmptyTurnsItOff) {
    EXPECT_EQ(load({}).metrics_listen, "127.0.0.1:9464");
    EXPECT_EQ(load({{"RSOLV_METRICS_LISTEN", ""}}).metrics_listen, "");
    EXPECT_EQ(load({{"RSOLV_METRICS_LISTEN", "0.0.0.0:9100"}}).metrics_listen, "0.0.0.0:9100");
}

TEST(MetricsConfig, RefusesAnAddressWithoutPortAndThePublicPort) {
    EXPECT_NE(errorOf({{"RSOLV_METRICS_LISTEN", "9464"}}).find("RSOLV_METRICS_LISTEN"), std::string::npos);
    EXPECT_NE(errorOf({{"RSOLV_LISTEN", "127.0.0.1:4000"}, {"RSOLV_METRICS_LISTEN", "127.0.0.1:4000"}})
                  .find("RSOLV_METRICS_LISTEN must not use the public port"),
              std::string::npos);
}

}  // namespace
}  // namespace rsolv::app
