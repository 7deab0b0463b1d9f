// Issue 5, "generates valid GitHub workflow": the downloadable .github/workflows/rsolv.yml names the key only as a
// secret, runs on a schedule and on demand, asks for the permissions it needs, uses the configured action, and passes
// @action-validator/core (tests/browser/validate-workflow.mjs; node and `npm ci` in tests/browser are required).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/crypto.h"
#include "integration/dashboard_test_helpers.h"

namespace rsolv::test {
namespace {

/// Runs the validator on `yaml`; returns its exit status and output.
std::pair<int, std::string> validateWorkflow(const std::string& yaml) {
    const std::filesystem::path script = std::filesystem::path(RSOLV_SOURCE_DIR) / "tests/browser/validate-workflow.mjs";
    const std::filesystem::path file =
        std::filesystem::temp_directory_path() / ("rsolv-workflow-" + crypto::hex(crypto::randomBytes(6)) + ".yml");
    {
        std::ofstream out(file, std::ios::binary);
        out << yaml;
    }
    auto result = runCommand("node '" + script.string() + "' '" + file.string() + "'");
    std::error_code ec;
    std::filesystem::remove(file, ec);
    return result;
}

class DashboardWorkflow : public ::testing::TestWithParam<Backend> {};

TEST_P(DashboardWorkflow, GeneratesValidGithubWorkflow) {
    const std::string action = "example-org/custom-rsolv-action@v9";
    TestApp app(GetParam(), dashboardConfig([&](app::Config& c) { c.github_action = action; }));
    Customer c = signUpCustomer(app, "workflow@example.com");

    const auto r = c.browser.get("/dashboard/workflow/rsolv.yml");
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
    EXPECT_EQ(r.header("content-type"), "text/yaml; charset=utf-8");
    EXPECT_EQ(r.header("content-disposition"), "attachment; filename=\"rsolv.yml\"");
    const std::string& yaml = r.body;
    for (const char* needed : {"${{ secrets.RSOLV_API_KEY }}", "workflow_dispatch", "schedule", "permissions:",
                               "contents: write", "pull-requests: write", "api_key:", "api_url:"})
        EXPECT_TRUE(contains(yaml, needed)) << needed << " missing from:\n" << yaml;
    // Only what a fix needs (push a branch, open a pull request): nothing broad, nothing else writable.
    for (const char* excess : {"write-all", "read-all", "issues: write", "actions: write", "packages: write"})
        EXPECT_FALSE(contains(yaml, excess)) << excess << " is more than the workflow needs:\n" << yaml;
    EXPECT_TRUE(contains(yaml, "uses: " + action)) << "the configured RSOLV_GITHUB_ACTION:\n" << yaml;
    EXPECT_TRUE(contains(yaml, app.publicUrl())) << "api_url is the public URL:\n" << yaml;
    EXPECT_FALSE(contains(yaml, c.key)) << "the key itself is never in the workflow";
    EXPECT_EQ(findApiKey(yaml), "");
    EXPECT_FALSE(contains(yaml, "\t")) << "YAML allows no tabs for indentation";

    const auto [status, output] = validateWorkflow(yaml);
    EXPECT_NE(status, 127) << "node is not installed: " << output;
    EXPECT_NE(status, 2) << "the validator could not run (npm ci in tests/browser?): " << output;
    EXPECT_EQ(status, 0) << "@action-validator/core rejects the workflow:\n" << output << "\n" << yaml;
    EXPECT_TRUE(contains(output, "valid")) << output;

    // The page shows the same file, escaped for HTML, and links to the download.
    const auto page = c.browser.get("/dashboard/workflow");
    ASSERT_EQ(page.status, 200) << page.body.substr(0, 300);
    EXPECT_EQ(currentNavHref(page.body), "/dashboard/workflow");
    EXPECT_TRUE(contains(page.body, "href=\"/dashboard/workflow/rsolv.yml\"")) << page.body;
    EXPECT_TRUE(contains(page.body, "Download rsolv.yml"));
    std::string shown = elementById(page.body, "pre", "workflow-yaml");
    ASSERT_FALSE(shown.empty()) << "no <pre id=\"workflow-yaml\">:\n" << page.body;
    shown = decodeEntities(std::regex_replace(shown, std::regex("^<pre[^>]*>|</pre>$"), ""));
    auto trimmed = [](std::string s) {
        s.erase(0, s.find_first_not_of("\r\n"));
        s.erase(s.find_last_not_of("\r\n") + 1);
        return s;
    };
    EXPECT_EQ(trimmed(shown), trimmed(yaml));
    EXPECT_EQ(findApiKey(page.body), "");
}

TEST_P(DashboardWorkflow, DefaultActionIsRsolvAction) {
    TestApp app(GetParam(), dashboardConfig());
    EXPECT_EQ(app.config().github_action, "RSOLV-dev/rsolv-action@v3");
    Customer c = signUpCustomer(app, "default@example.com");
    const auto r = c.browser.get("/dashboard/workflow/rsolv.yml");
    ASSERT_EQ(r.status, 200);
    EXPECT_TRUE(contains(r.body, "uses: RSOLV-dev/rsolv-action@v3")) << r.body;
    const auto [status, output] = validateWorkflow(r.body);
    EXPECT_EQ(status, 0) << output << "\n" << r.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, DashboardWorkflow, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
