// The API key and email (rules.md #4) on both backends: by default no email and no stored job carries the key; with
// RSOLV_WELCOME_EMAIL_INCLUDES_KEY the welcome email does, while its job holds only a sealed copy, and only until the
// job is over.

#include <gtest/gtest.h>

#include "domain/onboarding.h"
#include "jobs/email_test_support.h"
#include "jobs/job_queue.h"
#include "jobs/job_rows.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;

class EmailSecrets : public ::testing::TestWithParam<Backend> {
protected:
    static int drain(TestApp& app) { return app.app().worker().drain(); }

    static std::string signUpAndTakeKey(TestApp& app, const std::string& email, const std::string& name) {
        HttpClient browser(app.port(), app.publicUrl());
        const auto res = browser.signup(email, name);
        EXPECT_EQ(res.status, 303) << res.body;
        const std::string key = findApiKey(browser.get("/welcome").body);
        EXPECT_FALSE(key.empty());
        return key;
    }

    static void expectNoPayloadHolds(TestApp& app, const std::string& key, const std::string& when) {
        SCOPED_TRACE(when);
        for (const auto& job : allJobs(app.db())) {
            EXPECT_EQ(job.payload.find(key), std::string::npos) << job.kind << " payload " << job.payload;
            EXPECT_EQ(job.payload.find(key.substr(6)), std::string::npos) << "not even the key's body";
            EXPECT_EQ(findApiKey(job.payload), "");
        }
    }
};

TEST_P(EmailSecrets, NoEmailAndNoJobPayloadContainsTheApiKeyByDefault) {
    SmtpTestServer smtp;
    TestApp app(GetParam(), viaSmtp(smtp));
    const std::string key_a = signUpAndTakeKey(app, "kim@example.com", "Kim Park");
    const std::string key_b = signUpAndTakeKey(app, "lou@example.com", "Lou Reed");
    for (const auto& key : {key_a, key_b}) expectNoPayloadHolds(app, key, "queued");
    for (const auto& job : allJobs(app.db()))
        EXPECT_FALSE(nlohmann::json::parse(job.payload).contains("sealed_key")) << job.kind;

    // Every email either customer can get: welcome, already registered, the three follow-ups.
    EXPECT_EQ(drain(app), 2);
    HttpClient again(app.port(), app.publicUrl());
    EXPECT_EQ(again.signup("kim@example.com", "Kim Park").status, 200);
    for (const Duration at : {24h, 72h, 7 * 24h}) {
        app.clock().set(testEpoch() + at);
        EXPECT_EQ(drain(app), 2 + (at == 24h ? 1 : 0));
    }
    const auto mails = receivedEmails(smtp);
    ASSERT_EQ(mails.size(), 9u);
    for (const auto& m : mails) {
        SCOPED_TRACE(m.messageId());
        for (const auto& key : {key_a, key_b}) {
            EXPECT_EQ(m.everything().find(key), std::string::npos);
            EXPECT_EQ(m.everything().find(key.substr(6)), std::string::npos);
        }
        EXPECT_EQ(findApiKey(m.everything()), "");
    }
    for (const auto& key : {key_a, key_b}) expectNoPayloadHolds(app, key, "sent");
}

TEST_P(EmailSecrets, WithTheSwitchTheWelcomeEmailCarriesTheKeyAndTheJobOnlyASealedCopyUntilSent) {
    SmtpTestServer smtp;
    TestApp app(GetParam(), viaSmtp(smtp, [](app::Config& c) { c.welcome_email_includes_key = true; }));
    const std::string key = signUpAndTakeKey(app, "max@example.com", "Max Ernst");
    const auto customer = customerByEmail(app, "max@example.com");
    const std::string welcome_key = domain::emailJobKey(domain::email_kind::kWelcome, customer.id);

    auto welcome = jobByUniqueKey(app.db(), welcome_key);
    ASSERT_TRUE(welcome);
    auto payload = nlohmann::json::parse(welcome->payload);
    ASSERT_TRUE(payload.contains("sealed_key")) << welcome->payload;
    EXPECT_TRUE(payload["sealed_key"].is_string());
    EXPECT_GT(payload["sealed_key"].get<std::string>().size(), 40u);
    expectNoPayloadHolds(app, key, "queued");
    for (const auto& job : allJobs(app.db()))
        if (job.kind != "email.welcome") {
            EXPECT_FALSE(nlohmann::json::parse(job.payload).contains("sealed_key")) << job.kind;
        }

    EXPECT_EQ(drain(app), 1);
    const auto mails = receivedEmails(smtp);
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_NE(mails[0].text.find("Your API key: " + key), std::string::npos) << mails[0].text;
    EXPECT_NE(mails[0].html.find(key), std::string::npos);

    welcome = jobByUniqueKey(app.db(), welcome_key);
    ASSERT_TRUE(welcome);
    EXPECT_EQ(welcome->state, "completed");
    payload = nlohmann::json::parse(welcome->payload);
    EXPECT_FALSE(payload.contains("sealed_key")) << "a sent welcome email's job keeps no secret: " << welcome->payload;
    EXPECT_EQ(payload.value("customer_id", std::int64_t(0)), customer.id);
    expectNoPayloadHolds(app, key, "sent");

    // Only the welcome email carries it.
    app.clock().set(testEpoch() + 24h);
    EXPECT_EQ(drain(app), 1);
    const auto later = receivedEmails(smtp);
    ASSERT_EQ(later.size(), 2u);
    EXPECT_EQ(later[1].everything().find(key), std::string::npos);
}

TEST_P(EmailSecrets, AWelcomeJobThatEndsDeadDoesNotKeepTheSealedKey) {
    SmtpTestServer smtp;
    smtp.rejectRecipient("gone@example.com");
    TestApp app(GetParam(), viaSmtp(smtp, [](app::Config& c) { c.welcome_email_includes_key = true; }));
    signUpAndTakeKey(app, "gone@example.com", "Gone Away");
    const auto customer = customerByEmail(app, "gone@example.com");
    EXPECT_EQ(drain(app), 1);
    const auto welcome = jobByUniqueKey(app.db(), domain::emailJobKey(domain::email_kind::kWelcome, customer.id));
    ASSERT_TRUE(welcome);
    ASSERT_EQ(welcome->state, "dead");
    // Dead jobs are never pruned (pruneFinished keeps them for people to see), so a sealed key left in one stays in
    // the database for good, although the email it was meant for can never be sent.
    EXPECT_FALSE(nlohmann::json::parse(welcome->payload).contains("sealed_key"))
        << "the dead welcome job still holds the sealed API key: " << welcome->payload;
}

TEST_P(EmailSecrets, AWelcomeJobWhoseWorkersKeepDyingEndsDeadWithoutTheSealedKeyAndRecordedAsFailed) {
    // A send that crashes the worker every time (a poison message): each attempt ends with an expired lease, and
    // the rescue after the last one leaves the job dead.
    SmtpTestServer smtp;
    TestApp app(GetParam(), viaSmtp(smtp, [](app::Config& c) { c.welcome_email_includes_key = true; }));
    signUpAndTakeKey(app, "crash@example.com", "Cr Ash");
    const auto customer = customerByEmail(app, "crash@example.com");
    const std::string welcome_key = domain::emailJobKey(domain::email_kind::kWelcome, customer.id);
    const int max_attempts = jobByUniqueKey(app.db(), welcome_key)->max_attempts;
    jobs::JobQueue crashing(app.db(), app.clock(), "crashing-worker", 30s);
    for (int attempt = 1; attempt <= max_attempts; ++attempt) {
        const auto claimed = crashing.claim(1);
        ASSERT_EQ(claimed.size(), 1u) << "attempt " << attempt;
        ASSERT_EQ(claimed[0].kind, "email.welcome");
        app.clock().advance(1min);
        EXPECT_EQ(app.app().jobQueue().rescueExpired(), 1);
    }
    const auto welcome = jobByUniqueKey(app.db(), welcome_key);
    ASSERT_TRUE(welcome);
    ASSERT_EQ(welcome->state, "dead");
    EXPECT_FALSE(nlohmann::json::parse(welcome->payload).contains("sealed_key"))
        << "the dead welcome job still holds the sealed API key: " << welcome->payload;
    EXPECT_TRUE(smtp.messages().empty());
    // Like any other welcome email that is given up on (see EmailDelivery.PermanentRecipientFailureIsNotRetried).
    EXPECT_EQ(statusesOf(eventsOf(app, customer.id, "welcome_email")), (std::vector<std::string>{"failed", "queued"}))
        << "a welcome email given up on after its worker died on every attempt is not recorded as failed";
}

INSTANTIATE_TEST_SUITE_P(Backends, EmailSecrets, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
