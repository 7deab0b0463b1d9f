// Issue 10, defect 3, on both backends: the mail server accepted an email but recording its delivery failed (the
// database restarting, a full disk). The record is retried with backoff before the job may run again, so the email
// is not sent a second time; a duplicate that could not be avoided is counted.

#include <gtest/gtest.h>

#include <atomic>

#include "domain/admin/signups.h"
#include "domain/onboarding.h"
#include "integration/admin_test_helpers.h"
#include "jobs/alert_jobs.h"
#include "jobs/invitation_email_jobs.h"
#include "jobs/email_jobs.h"
#include "jobs/email_test_support.h"
#include "jobs/job_rows.h"
#include "mail/mail_settings.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;

/// The app's database, whose next `failures` write transactions fail as if PostgreSQL were restarting.
class FlakyDatabase final : public storage::Database {
public:
    explicit FlakyDatabase(storage::Database& inner) : inner_(inner) {}
    storage::Dialect dialect() const override { return inner_.dialect(); }
    std::unique_ptr<storage::Transaction> begin(storage::TxMode mode) override {
        if (mode == storage::TxMode::Write && failures > 0) {
            --failures;
            throw std::runtime_error("the database system is starting up (simulated)");
        }
        return inner_.begin(mode);
    }
    std::string describe() const override { return inner_.describe(); }
    std::atomic<int> failures{0};

private:
    storage::Database& inner_;
};

/// A real SMTP transport; once the server accepted a message, the database fails `n` writes.
class ThenTheDatabaseFails final : public mail::Mailer {
public:
    ThenTheDatabaseFails(std::unique_ptr<mail::Mailer> inner, FlakyDatabase& db, int n)
        : inner_(std::move(inner)), db_(db), n_(n) {}
    std::vector<mail::SendResult> send(const std::vector<mail::EmailMessage>& batch) override {
        auto results = inner_->send(batch);
        if (!results.empty() && results[0].kind == mail::SendResult::Kind::Sent) db_.failures = n_;
        return results;
    }
    std::string describe() const override { return inner_->describe(); }

private:
    std::unique_ptr<mail::Mailer> inner_;
    FlakyDatabase& db_;
    int n_;
};

class EmailRecord : public ::testing::TestWithParam<Backend> {};

/// Runs the queued job of `kind` with `handler`, then whatever of it is due two hours later (past any retry's backoff).
void runJobAndItsRetries(TestApp& app, std::string_view kind, jobs::JobHandler& handler) {
    jobs::JobQueue queue(app.db(), app.clock(), "flaky-worker", 60s);
    jobs::Worker worker(queue, {});
    worker.addHandler(std::string(kind), handler);
    EXPECT_EQ(worker.drain(), 1);
    app.clock().advance(2h);
    worker.drain();
}

TEST_P(EmailRecord, AnAcceptedEmailWhoseRecordFailsIsRecordedLaterAndNotSentAgain) {
    SmtpTestServer smtp;
    TestApp app(GetParam(), viaSmtp(smtp));
    HttpClient browser(app.port(), app.publicUrl());
    ASSERT_EQ(browser.signup("record@example.com", "Rec Ord").status, 303);
    const auto customer = customerByEmail(app, "record@example.com");

    // The app's email job handler, over a database that fails four writes right after the send.
    FlakyDatabase flaky(app.db());
    ThenTheDatabaseFails mailer(mail::makeMailer(app::mailSettings(app.config())), flaky, 4);
    jobs::EmailJobSettings settings;
    settings.public_url = app.publicUrl();
    settings.host = app.config().publicHost();
    settings.record_retry_first = 1ms;
    settings.payload_key = app.app().secretKey().subkey("job-payload-encryption");
    settings.unsubscribe_key = app.app().secretKey().subkey("unsubscribe-links");
    settings.not_me_key = app.app().secretKey().subkey("not-me-links");
    jobs::EmailJobHandler handler(flaky, app.clock(), mailer, settings);
    jobs::JobQueue queue(app.db(), app.clock(), "flaky-worker", 60s);
    jobs::Worker worker(queue, {});
    worker.addHandler(std::string(domain::email_kind::kWelcome), handler);

    EXPECT_EQ(worker.drain(), 1);
    app.clock().advance(2h);
    worker.drain();
    app.app().worker().drain();

    const auto mails = receivedEmails(smtp);
    EXPECT_EQ(countWithMessageId(mails, welcomeMessageId(customer.id)), 1) << "sent once";
    const auto job = *jobByUniqueKey(app.db(), domain::emailJobKey(domain::email_kind::kWelcome, customer.id));
    EXPECT_EQ(job.state, "completed");
    EXPECT_EQ(job.attempts, 1);
    const auto events = eventsOf(app, customer.id, "welcome_email");
    EXPECT_EQ(statusesOf(events), (std::vector<std::string>{"queued", "sent"}));
    EXPECT_EQ(detailsOf(events, "sent").value("record_attempts", 0), 5) << detailsOf(events, "sent");
    EXPECT_EQ(handler.counters().record_retries.load(), 4u);
    EXPECT_EQ(handler.counters().duplicates.load(), 0u);
}

// The same for the emails that are not a customer's (alerts, operator sign-in links, support tickets): their record
// is retried too, so a database that refuses a couple of writes right after the send does not make the job run again
// and send the email a second time.
TEST_P(EmailRecord, AnAcceptedAlertEmailWhoseRecordFailsIsRecordedLaterAndNotSentAgain) {
    SmtpTestServer smtp;
    TestApp app(GetParam(), viaSmtp(smtp));
    enqueueAlertEmail(app, "oncall@example.net");
    FlakyDatabase flaky(app.db());
    ThenTheDatabaseFails mailer(mail::makeMailer(app::mailSettings(app.config())), flaky, 2);
    jobs::AlertEmailJobHandler handler(flaky, app.clock(), mailer, app.config().publicHost(), noTelemetry());
    runJobAndItsRetries(app, domain::alert_job::kEmail, handler);

    const auto mails = receivedEmails(smtp);
    EXPECT_EQ(mails.size(), 1u) << "the alert was sent again";
    EXPECT_EQ(app.count("email_deliveries", "kind = 'alert.email'"), 1);
    EXPECT_EQ(app.count("jobs", "kind = 'alert.email' AND state = 'completed' AND attempts = 1"), 1);
}

TEST_P(EmailRecord, AnAcceptedInvitationWhoseRecordFailsIsRecordedLaterAndNotSentAgain) {
    SmtpTestServer smtp;
    TestApp app(GetParam(), viaSmtp(smtp));
    ASSERT_EQ(runAdminCli(app, {"signup-mode", "invite", "--reason", "beta"}).status, 0);
    app.clock().advance(3s);  // the mode as another instance set it reaches this one
    HttpClient waiting(app.port(), app.publicUrl());
    ASSERT_EQ(waiting.signup("wanda@example.com", "Wanda Wait").status, 200);
    ASSERT_EQ(runAdminCli(app, {"waitlist", "approve", "wanda@example.com", "--reason", "next in line"}).status, 0);
    FlakyDatabase flaky(app.db());
    ThenTheDatabaseFails mailer(mail::makeMailer(app::mailSettings(app.config())), flaky, 2);
    jobs::InvitationEmailJobHandler handler(
        flaky, app.clock(), mailer,
        {app.publicUrl(), app.config().publicHost(), "support@example.com",
         app.app().secretKey().subkey("job-payload-encryption")});
    runJobAndItsRetries(app, domain::admin::kInvitationJob, handler);

    EXPECT_EQ(receivedEmails(smtp).size(), 1u) << "the invitation was sent again";
    EXPECT_EQ(app.count("email_deliveries", "kind = 'email.invitation'"), 1);
    EXPECT_EQ(app.count("jobs", "kind = 'email.invitation' AND state = 'completed' AND attempts = 1"), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, EmailRecord, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
