// Issue 5, API keys in the dashboard: "can regenerate API key" (roll with and without a grace period, the new key
// shown once), creating keys up to the active-key limit, revoking through the confirmation page, and another
// customer's key ids answering 404.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "domain/api_key.h"
#include "integration/dashboard_test_helpers.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;

int accountStatus(TestApp& app, const std::string& key) { return apiCall(app, "GET", "/api/v1/account", key).status; }

class DashboardKeys : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig()};

    /// The ids of the keys listed on /dashboard/keys.
    std::vector<std::int64_t> listedKeys(HttpClient& browser) {
        const auto page = browser.get("/dashboard/keys");
        EXPECT_EQ(page.status, 200) << page.body.substr(0, 300);
        EXPECT_TRUE(contains(page.body, "id=\"api-keys\"")) << page.body;
        return keyIdsOn(page.body);
    }

    /// POSTs the roll form of key `id` with `grace` seconds; returns the new key shown on the page it leads to.
    std::string roll(HttpClient& browser, std::int64_t id, const std::string& grace) {
        const auto r = submitForm(browser, "/dashboard/keys", "/dashboard/keys/" + std::to_string(id) + "/roll",
                                  {{"grace", grace}});
        EXPECT_EQ(r.status, 303) << r.body.substr(0, 500);
        EXPECT_EQ(pathOf(locationOf(app_, r)), "/dashboard/keys");
        const auto page = browser.get("/dashboard/keys");
        EXPECT_EQ(page.status, 200);
        const std::string key = newApiKeyOn(page.body);
        EXPECT_FALSE(key.empty()) << "no <code id=\"new-api-key\"> after rolling:\n" << page.body;
        return key;
    }

    /// Creates a key named `name`; returns the POST's response.
    HttpResponse create(HttpClient& browser, const std::string& name) {
        return submitForm(browser, "/dashboard/keys", "/dashboard/keys", {{"name", name}});
    }
};

TEST_P(DashboardKeys, CanRegenerateApiKeyWithoutGrace) {
    Customer c = signUpCustomer(app_, "roll@example.com");
    const auto ids = listedKeys(c.browser);
    ASSERT_EQ(ids.size(), 1u) << "the signup key";
    const auto keys_page = c.browser.get("/dashboard/keys").body;
    EXPECT_EQ(newApiKeyOn(keys_page), "") << "the signup key was shown on /welcome already";
    EXPECT_EQ(findApiKey(keys_page), "") << "the keys page never shows a key except right after making it";
    EXPECT_TRUE(contains(keyRow(keys_page, ids[0]), domain::displayIdOf(c.key))) << keyRow(keys_page, ids[0]);
    EXPECT_TRUE(contains(keyRow(keys_page, ids[0]), "Never")) << "never used yet: " << keyRow(keys_page, ids[0]);
    EXPECT_TRUE(contains(textOf(keyRow(keys_page, ids[0])), "Active")) << keyRow(keys_page, ids[0]);
    // Issue 15: rolling asks first, on its own page, which offers the three graces of the contract (1 hour checked).
    EXPECT_TRUE(contains(keys_page, "href=\"/dashboard/keys/" + std::to_string(ids[0]) + "/roll\""));
    const auto confirm = c.browser.get("/dashboard/keys/" + std::to_string(ids[0]) + "/roll");
    ASSERT_EQ(confirm.status, 200);
    for (const char* grace : {"value=\"0\"", "value=\"3600\" checked", "value=\"86400\""})
        EXPECT_TRUE(contains(confirm.body, grace)) << grace;
    EXPECT_TRUE(contains(confirm.body, "Roll key"));
    ASSERT_EQ(accountStatus(app_, c.key), 200);

    const std::string fresh = roll(c.browser, ids[0], "0");
    ASSERT_FALSE(fresh.empty());
    EXPECT_NE(fresh, c.key);
    EXPECT_TRUE(domain::isWellFormedApiKey(fresh)) << fresh;

    EXPECT_EQ(accountStatus(app_, c.key), 401) << "grace 0 revokes the old key at once";
    EXPECT_EQ(accountStatus(app_, fresh), 200);

    // Shown once: the next visit has no key on it, only its display id.
    const auto again = c.browser.get("/dashboard/keys");
    EXPECT_EQ(newApiKeyOn(again.body), "");
    EXPECT_EQ(findApiKey(again.body), "");
    EXPECT_FALSE(contains(again.body, fresh));
    EXPECT_TRUE(contains(again.body, domain::displayIdOf(fresh))) << again.body;
    // The rolled key keeps its name; the old one is listed as revoked.
    const auto now_ids = keyIdsOn(again.body);
    EXPECT_EQ(now_ids.size(), 2u);
    EXPECT_TRUE(contains(textOf(keyRow(again.body, ids[0])), "Revoked")) << keyRow(again.body, ids[0]);
}

TEST_P(DashboardKeys, CanRegenerateApiKeyWithOneHourGrace) {
    Customer c = signUpCustomer(app_, "grace@example.com");
    const auto ids = listedKeys(c.browser);
    ASSERT_EQ(ids.size(), 1u);

    const std::string fresh = roll(c.browser, ids[0], "3600");
    ASSERT_FALSE(fresh.empty());
    EXPECT_NE(fresh, c.key);
    EXPECT_EQ(accountStatus(app_, c.key), 200) << "the old key keeps working during the grace";
    EXPECT_EQ(accountStatus(app_, fresh), 200);
    const auto during = c.browser.get("/dashboard/keys").body;
    EXPECT_EQ(newApiKeyOn(during), "") << "the new key is shown only once";
    EXPECT_TRUE(contains(textOf(keyRow(during, ids[0])), "Expires")) << keyRow(during, ids[0]);

    // The browser looks in now and then, so its session (30 minutes idle) outlives the grace.
    app_.clock().advance(29min);
    ASSERT_EQ(c.browser.get("/dashboard/keys").status, 200);
    app_.clock().advance(29min);
    ASSERT_EQ(c.browser.get("/dashboard/keys").status, 200);
    app_.clock().advance(1min);
    EXPECT_EQ(accountStatus(app_, c.key), 200) << "59 minutes into a one-hour grace";
    EXPECT_EQ(accountStatus(app_, fresh), 200);
    app_.clock().advance(1min);
    EXPECT_EQ(accountStatus(app_, c.key), 401) << "the grace is over after 60 minutes";
    EXPECT_EQ(accountStatus(app_, fresh), 200);
    const auto after = c.browser.get("/dashboard/keys").body;
    EXPECT_TRUE(contains(textOf(keyRow(after, ids[0])), "Expired")) << keyRow(after, ids[0]);
}

TEST_P(DashboardKeys, CreatesKeysUpToFiveActiveAndRevokesThroughConfirmation) {
    Customer c = signUpCustomer(app_, "many@example.com");
    const auto page = c.browser.get("/dashboard/keys");
    ASSERT_EQ(page.status, 200);
    EXPECT_TRUE(contains(page.body, "id=\"create-key-form\"")) << page.body;

    // Names are 1 to 60 characters.
    for (const std::string& bad : {std::string(), std::string(61, 'n')}) {
        const auto r = create(c.browser, bad);
        EXPECT_EQ(r.status, 422) << "name of " << bad.size() << " characters";
        EXPECT_FALSE(fieldError(r.body, "name").empty()) << r.body;
        EXPECT_EQ(newApiKeyOn(r.body), "");
    }
    EXPECT_EQ(app_.count("api_keys"), 1);

    // The signup key plus four more: five active.
    std::vector<std::string> keys{c.key};
    const std::vector<std::string> names{"ci", "staging", std::string(60, 'x'), "laptop"};
    for (const auto& name : names) {
        SCOPED_TRACE(name);
        const auto r = create(c.browser, name);
        ASSERT_EQ(r.status, 303) << r.body.substr(0, 500);
        EXPECT_EQ(pathOf(locationOf(app_, r)), "/dashboard/keys");
        const auto shown = c.browser.get("/dashboard/keys").body;
        const std::string key = newApiKeyOn(shown);
        ASSERT_FALSE(key.empty()) << shown;
        EXPECT_TRUE(contains(shown, name)) << "the key's name is listed";
        EXPECT_EQ(newApiKeyOn(c.browser.get("/dashboard/keys").body), "") << "shown once";
        EXPECT_EQ(accountStatus(app_, key), 200);
        keys.push_back(key);
    }
    ASSERT_EQ(listedKeys(c.browser).size(), 5u);

    // The sixth is refused and nothing is made.
    const auto sixth = create(c.browser, "one too many");
    EXPECT_EQ(sixth.status, 422) << sixth.body.substr(0, 500);
    EXPECT_FALSE(fieldError(sixth.body, "name").empty()) << sixth.body;
    EXPECT_EQ(findApiKey(sixth.body), "");
    EXPECT_EQ(app_.count("api_keys"), 5);

    // Revoke one through its confirmation page.
    const auto ids = listedKeys(c.browser);
    const std::int64_t victim = ids.front();
    const std::string confirm_path = "/dashboard/keys/" + std::to_string(victim) + "/revoke";
    EXPECT_TRUE(contains(c.browser.get("/dashboard/keys").body, "href=\"" + confirm_path + "\""))
        << "the keys page links to the revoke confirmation";
    const auto confirm = c.browser.get(confirm_path);
    ASSERT_EQ(confirm.status, 200) << confirm.body.substr(0, 300);
    EXPECT_TRUE(contains(confirm.body, "id=\"revoke-form\"")) << confirm.body;
    EXPECT_TRUE(contains(confirm.body, "Revoke key"));
    const std::int64_t keys_before = app_.count("api_keys", "revoked_at IS NULL");
    const auto revoked = c.browser.postForm(confirm_path, {{"csrf_token", csrfOf(confirm.body)}});
    ASSERT_EQ(revoked.status, 303) << revoked.body.substr(0, 500);
    EXPECT_EQ(pathOf(locationOf(app_, revoked)), "/dashboard/keys");
    const auto after = follow(app_, c.browser, revoked);
    EXPECT_EQ(flashOf(after.body), "Key revoked.");
    EXPECT_TRUE(contains(textOf(keyRow(after.body, victim)), "Revoked")) << keyRow(after.body, victim);
    EXPECT_EQ(app_.count("api_keys", "revoked_at IS NULL"), keys_before - 1);

    // Which key was it? The one whose API calls now fail; exactly one of the five.
    int refused = 0;
    for (const auto& k : keys) refused += accountStatus(app_, k) == 401;
    EXPECT_EQ(refused, 1);

    // Room for one more again.
    const auto again = create(c.browser, "replacement");
    EXPECT_EQ(again.status, 303) << again.body.substr(0, 500);
    EXPECT_EQ(app_.count("api_keys"), 6);
}

TEST_P(DashboardKeys, AnotherCustomersKeyIsNotFound) {
    Customer alice = signUpCustomer(app_, "alice@example.com");
    Customer bob = signUpCustomer(app_, "bob@example.com");
    const auto bobs = listedKeys(bob.browser);
    ASSERT_EQ(bobs.size(), 1u);
    const std::string bob_key_id = std::to_string(bobs[0]);
    const auto alices = keyIdsOn(alice.browser.get("/dashboard/keys").body);
    ASSERT_EQ(alices.size(), 1u);
    EXPECT_NE(alices[0], bobs[0]) << "Alice sees Bob's key";

    const std::string token = csrfOf(alice.browser.get("/dashboard/keys").body);
    const auto before = databaseSnapshot(app_);
    for (const std::string& id : {bob_key_id, std::string("999999")}) {
        SCOPED_TRACE(id);
        const auto roll = alice.browser.postForm("/dashboard/keys/" + id + "/roll", {{"csrf_token", token}, {"grace", "0"}});
        EXPECT_EQ(roll.status, 404) << roll.body.substr(0, 300);
        EXPECT_EQ(findApiKey(roll.body), "");
        const auto page = alice.browser.get("/dashboard/keys/" + id + "/revoke");
        EXPECT_EQ(page.status, 404) << page.body.substr(0, 300);
        const auto revoke = alice.browser.postForm("/dashboard/keys/" + id + "/revoke", {{"csrf_token", token}});
        EXPECT_EQ(revoke.status, 404) << revoke.body.substr(0, 300);
    }
    EXPECT_EQ(snapshotDiff(before, databaseSnapshot(app_)), "") << "a refused request changed the database";
    EXPECT_EQ(accountStatus(app_, bob.key), 200) << "Bob's key still works";
    EXPECT_EQ(newApiKeyOn(alice.browser.get("/dashboard/keys").body), "");
}

INSTANTIATE_TEST_SUITE_P(Backends, DashboardKeys, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
