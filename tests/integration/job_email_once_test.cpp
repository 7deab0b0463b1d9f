// rules.md #3 on both backends: a retried job sends its email once. Alert emails and operator console sign-in emails
// are recorded in email_deliveries under a stable Message-ID before their job completes, as customer emails are, so a
// job that runs a second time after sending (its worker died or lost its lease before the completion committed, and
// a rescue runs it again with the payload it had) sends nothing the second time.

#include <gtest/gtest.h>

#include <string>

#include "domain/alerting.h"
#include "integration/admin_test_helpers.h"
#include "jobs/email_test_support.h"
#include "jobs/job_queue.h"
#include "storage/sql.h"

namespace rsolv::test {
namespace {

/// Runs the queued jobs, then puts those of `kind` back as they were before (available, the same payload, no
/// attempt spent): what a rescue finds when the sending run's completion never committed. Then runs them again.
void runTwice(TestApp& app, const std::string& kind) {
    const auto queued = querySql(app, "SELECT id, payload FROM jobs WHERE kind = $1", {kind});
    ASSERT_EQ(queued.size(), 1u) << "one " << kind << " job";
    drainJobs(app);
    querySql(app,
             "UPDATE jobs SET state = 'available', payload = $2, attempts = 0, finished_at = NULL, lease_owner = NULL, "
             "lease_token = NULL, lease_expires_at = NULL WHERE id = $1",
             {queued[0].i64("id"), queued[0].str("payload")}, storage::TxMode::Write);
    EXPECT_EQ(drainJobs(app), 1) << "the job ran a second time";
}

class JobEmailOnce : public ::testing::TestWithParam<Backend> {};

TEST_P(JobEmailOnce, AnOperatorSignInEmailIsSentOnceWhenItsJobRunsTwice) {
    TestApp app(GetParam(), dashboardConfig());
    addOperator(app, "twice@example.net", "viewer");
    HttpClient asker(app.port(), app.publicUrl());
    const auto page = asker.get("/admin/login");
    ASSERT_EQ(asker.postForm("/admin/login", {{"csrf_token", csrfOf(page.body)}, {"email", "twice@example.net"}}).status,
              303);
    runTwice(app, std::string(domain::admin::kOperatorSignInJob));
    EXPECT_EQ(emailsTo(app, "twice@example.net", kOperatorSignInSubject).size(), 1u)
        << "the second run sent the operator another sign-in email";
    EXPECT_EQ(app.count("email_deliveries", "kind = 'email.operator_sign_in'"), 1);
    EXPECT_EQ(app.count("operator_sign_in_tokens"), 1) << "and made no second link";
}

TEST_P(JobEmailOnce, AnAlertEmailIsSentOnceWhenItsJobRunsTwice) {
    TestApp app(GetParam(), dashboardConfig([](app::Config& c) { c.alert_emails = {"oncall@example.net"}; }));
    enqueueAlertEmail(app, "oncall@example.net");
    runTwice(app, std::string(domain::alert_job::kEmail));
    EXPECT_EQ(emailsTo(app, "oncall@example.net", "[RSOLV] Firing").size(), 1u)
        << "the second run sent the alert again";
    EXPECT_EQ(app.count("email_deliveries", "kind = 'alert.email'"), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, JobEmailOnce, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
