// Built-in alerting end to end: a broken provisioning step and a mail server answering 550 make alerts fire, each
// is announced once by email and by a signed webhook, and resolved once when the conditions pass.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/webhook_signature.h"
#include "domain/alerting.h"
#include "integration/signup_test_helpers.h"
#include "jobs/email_test_support.h"
#include "support/smtp_test_server.h"
#include "support/test_app.h"
#include "support/webhook_receiver.h"

namespace rsolv::test {
namespace {

constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

std::set<std::string> namesOf(const std::vector<domain::AlertNotice>& notices, const std::string& state) {
    std::set<std::string> out;
    for (const auto& n : notices)
        if (n.state == state) out.insert(n.name);
    return out;
}

class Alerting : public ::testing::TestWithParam<Backend> {};

TEST_P(Alerting, FiresOnceAndResolvesOnceByEmailAndSignedWebhook) {
    SmtpTestServer smtp;
    smtp.rejectRecipient("jane@example.com");
    WebhookReceiver hooks;
    TestApp app(GetParam(), viaSmtp(smtp, [&](app::Config& c) {
                    c.alert_emails = {"ops@example.com"};
                    c.alert_webhook_url = "http://127.0.0.1:" + std::to_string(hooks.port()) + "/hooks/rsolv";
                    c.alert_webhook_secret = kSecret;
                }));
    auto& alerting = app.app().alerting();
    const std::set<std::string> expected{"dead_jobs", "email_failures", "provisioning_failures"};

    EXPECT_TRUE(alerting.tick().empty()) << "nothing is wrong yet";
    app.app().provisioning().setStepObserver([](std::string_view s) {
        if (s == "create_customer") throw std::runtime_error("injected");
    });
    EXPECT_EQ(HttpClient(app.port(), app.publicUrl()).signup("bob@example.com", "Bob Roe").status, 500);
    app.app().provisioning().setStepObserver({});
    EXPECT_EQ(HttpClient(app.port(), app.publicUrl()).signup("jane@example.com", "Jane Doe").status, 303);
    EXPECT_EQ(app.app().worker().drain(), 1) << "the welcome email, refused with 550";

    app.clock().advance(std::chrono::seconds(61));
    EXPECT_EQ(namesOf(alerting.tick(), "firing"), expected);
    EXPECT_EQ(app.app().worker().drain(), 6) << "three alert emails and three webhooks";

    // Still firing: no second notification, neither within the minute nor after it.
    app.clock().advance(std::chrono::seconds(30));
    EXPECT_TRUE(alerting.tick().empty());
    app.clock().advance(std::chrono::seconds(31));
    EXPECT_TRUE(alerting.tick().empty());
    for (const auto& s : alerting.states())
        EXPECT_EQ(s.firing, expected.count(s.name) == 1) << s.name << ": " << s.detail;

    // Half an hour on, the failures are out of every window: each alert resolves, once.
    app.clock().advance(std::chrono::minutes(31));
    EXPECT_EQ(namesOf(alerting.tick(), "resolved"), expected);
    EXPECT_EQ(app.app().worker().drain(), 6);
    app.clock().advance(std::chrono::minutes(2));
    EXPECT_TRUE(alerting.tick().empty());

    // The webhook: six deliveries, each alert fired once and resolved once, every signature valid.
    const auto key = decodeWebhookSecret(kSecret).value();
    std::map<std::string, std::vector<std::string>> by_alert;
    std::set<std::string> ids;
    for (const auto& hook : hooks.received()) {
        EXPECT_EQ(hook.method, "POST");
        EXPECT_EQ(hook.path, "/hooks/rsolv");
        const std::string id = hook.header("webhook-id"), ts = hook.header("webhook-timestamp");
        EXPECT_EQ(hook.header("webhook-signature"), webhookSignature(key, id, ts, hook.body)) << hook.body;
        EXPECT_TRUE(ids.insert(id).second) << "a webhook id was used twice";
        const auto body = nlohmann::json::parse(hook.body);
        by_alert[body["data"]["alert"]].push_back(body["type"]);
    }
    EXPECT_EQ(ids.size(), 6u);
    for (const auto& name : expected)
        EXPECT_EQ(by_alert[name], (std::vector<std::string>{"alert.firing", "alert.resolved"})) << name;

    // The emails: six to the operator, none of them to the customer whose address the server refused.
    int firing = 0, resolved = 0;
    for (const auto& mail : receivedEmails(smtp)) {
        EXPECT_NE(mail.header("To").find("ops@example.com"), std::string::npos) << mail.raw;
        firing += mail.subject().find("[RSOLV] Firing: ") == 0;
        resolved += mail.subject().find("[RSOLV] Resolved: ") == 0;
    }
    EXPECT_EQ(firing, 3);
    EXPECT_EQ(resolved, 3);
}

TEST_P(Alerting, OneInstanceAMinuteEvaluatesAndASilentInstanceIsDown) {
    TestApp app(GetParam(), signupConfig());
    auto& alerting = app.app().alerting();
    alerting.tick();
    // A second instance of the same cluster (another App on the same database) finds this minute taken.
    domain::Alerting other(app.db(), app.clock(), domain::AlertPolicy{{}, false, std::chrono::minutes(30),
                                                                         std::chrono::seconds(60), "other:1"});
    EXPECT_TRUE(other.tick().empty());
    app.clock().advance(std::chrono::minutes(4));
    const auto notices = alerting.tick();
    ASSERT_EQ(namesOf(notices, "firing"), std::set<std::string>{"instance_down"});
    EXPECT_NE(notices.front().detail.find("other:1"), std::string::npos);
    other.forgetInstance();
    app.clock().advance(std::chrono::minutes(1));
    EXPECT_EQ(namesOf(alerting.tick(), "resolved"), std::set<std::string>{"instance_down"});
}

INSTANTIATE_TEST_SUITE_P(Backends, Alerting, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
