// The mail server down, on both backends (issue 10, defect 4 and the fallback provider): a circuit breaker shared
// by the process's workers holds the mail while the server is unreachable, spends no attempt on it, probes the
// server, and sends the waiting mail once it answers; with a fallback configured, mail goes through the fallback
// while the primary's breaker is open and returns to the primary when a probe finds it back. Every email arrives
// exactly once. Time is the test's (wall clock and monotonic clock); nothing sleeps.

#include <gtest/gtest.h>

#include <set>

#include "domain/onboarding.h"
#include "jobs/email_test_support.h"
#include "jobs/job_rows.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;

class EmailOutage : public ::testing::TestWithParam<Backend> {
protected:
    int drain(TestApp& app) { return app.app().worker().drain(); }

    static storage::CustomerRecord signUp(TestApp& app, const std::string& email) {
        HttpClient browser(app.port(), app.publicUrl());
        const auto res = browser.signup(email, "Out Age");
        EXPECT_EQ(res.status, 303) << res.body;
        return customerByEmail(app, email);
    }

    static JobRow welcomeJob(TestApp& app, std::int64_t customer_id) {
        return *jobByUniqueKey(app.db(), domain::emailJobKey(domain::email_kind::kWelcome, customer_id));
    }

    /// Wall and monotonic time move on together.
    static void pass(TestApp& app, Duration d) {
        app.clock().advance(d);
        app.ticks().advance(d);
    }
};

TEST_P(EmailOutage, NoEmailDiesInATwoHourOutageAndEachArrivesOnceWhenTheServerIsBack) {
    SmtpTestServer smtp;
    TestApp app(GetParam(), viaSmtp(smtp, [](app::Config& c) {
        c.mail_breaker_threshold = 3;
        c.mail_probe_seconds = 15;
    }));
    smtp.stop();
    std::vector<storage::CustomerRecord> customers;
    for (int i = 0; i < 3; ++i) customers.push_back(signUp(app, "outage" + std::to_string(i) + "@example.com"));

    drain(app);
    for (int step = 0; step < 2 * 3600 / 15; ++step) {  // two hours, one probe interval at a time
        pass(app, 15s);
        EXPECT_EQ(drain(app), 0) << "nothing is claimed while the server is down";
    }
    for (const auto& c : customers) {
        SCOPED_TRACE("customer " + std::to_string(c.id));
        const auto job = welcomeJob(app, c.id);
        EXPECT_EQ(job.state, "available") << "waiting, not dead";
        EXPECT_EQ(job.attempts, 0) << "the outage spent none of its attempts";
        ASSERT_TRUE(job.last_error);
        EXPECT_NE(job.last_error->find("connect"), std::string::npos) << *job.last_error;
        EXPECT_EQ(statusesOf(eventsOf(app, c.id, "welcome_email")), (std::vector<std::string>{"queued"}));
    }
    EXPECT_TRUE(smtp.messages().empty());

    smtp.start();
    pass(app, 15s);  // the next probe finds it
    EXPECT_EQ(drain(app), 3);
    const auto mails = receivedEmails(smtp);
    EXPECT_EQ(mails.size(), 3u);
    for (const auto& c : customers) {
        SCOPED_TRACE("customer " + std::to_string(c.id));
        EXPECT_EQ(countWithMessageId(mails, welcomeMessageId(c.id)), 1);
        const auto job = welcomeJob(app, c.id);
        EXPECT_EQ(job.state, "completed");
        EXPECT_EQ(job.attempts, 1);
        EXPECT_EQ(statusesOf(eventsOf(app, c.id, "welcome_email")), (std::vector<std::string>{"queued", "sent"}));
    }
}

TEST_P(EmailOutage, WhileThePrimaryIsDownMailGoesThroughTheFallbackOnceAndThenReturnsToThePrimary) {
    SmtpTestServer primary;
    SmtpTestServer fallback;
    const auto fallback_port = fallback.port();
    TestApp app(GetParam(), viaSmtp(primary, [fallback_port](app::Config& c) {
        c.mail_fallback_url = "smtp://127.0.0.1:" + std::to_string(fallback_port);
        c.mail_breaker_threshold = 2;
        c.mail_probe_seconds = 15;
    }));
    primary.stop();
    std::vector<storage::CustomerRecord> customers;
    for (int i = 0; i < 3; ++i) customers.push_back(signUp(app, "failover" + std::to_string(i) + "@example.com"));

    drain(app);
    auto via_fallback = receivedEmails(fallback);
    EXPECT_EQ(via_fallback.size(), 3u);
    for (const auto& c : customers) {
        SCOPED_TRACE("customer " + std::to_string(c.id));
        EXPECT_EQ(countWithMessageId(via_fallback, welcomeMessageId(c.id)), 1);
        EXPECT_EQ(welcomeJob(app, c.id).state, "completed");
        EXPECT_EQ(welcomeJob(app, c.id).attempts, 1);
    }

    primary.start();
    pass(app, 15s);  // a probe finds the primary back
    const auto later = signUp(app, "after-the-outage@example.com");
    EXPECT_EQ(drain(app), 1);
    const auto via_primary = receivedEmails(primary);
    ASSERT_EQ(via_primary.size(), 1u) << "mail returns to the primary";
    EXPECT_EQ(via_primary[0].messageId(), welcomeMessageId(later.id));
    via_fallback = receivedEmails(fallback);
    EXPECT_EQ(via_fallback.size(), 3u) << "nothing was sent twice, through either";
}

INSTANTIATE_TEST_SUITE_P(Backends, EmailOutage, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
