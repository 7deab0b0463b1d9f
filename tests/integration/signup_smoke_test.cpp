#include <gtest/gtest.h>

#include "support/test_app.h"

namespace rsolv::test {
namespace {

class SignupSmoke : public ::testing::TestWithParam<Backend> {};

TEST_P(SignupSmoke, ProvisionsCustomerFromValidSignup) {
    TestApp app(GetParam());
    HttpClient browser(app.port(), app.publicUrl());
    const auto res = browser.signup("jane@example.com", "Jane Doe", "Acme");
    ASSERT_EQ(res.status, 303) << res.body;
    EXPECT_EQ(res.header("location"), app.publicUrl() + "/welcome");
    const auto page = browser.get("/welcome");
    ASSERT_EQ(page.status, 200);
    const std::string key = findApiKey(page.body);
    EXPECT_FALSE(key.empty());
    EXPECT_EQ(app.count("customers"), 1);
    EXPECT_EQ(app.count("api_keys"), 1);
    EXPECT_EQ(findApiKey(browser.get("/welcome").body), "");
}

INSTANTIATE_TEST_SUITE_P(Backends, SignupSmoke, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
