// Issue 12, /admin/jobs: the queue by state and kind with errors masked; retry now, discard and retry every dead job
// of a kind, each audited; from the command line too.

#include "integration/admin_test_helpers.h"

namespace rsolv::test {
namespace {

class AdminJobs : public ::testing::TestWithParam<Backend> {
protected:
    TestApp app_{GetParam(), dashboardConfig()};

    /// The customer's welcome job, made dead as if the mail server had refused it eight times.
    std::int64_t deadWelcomeJob(const Customer& c, const std::string& error) {
        const auto id = querySql(app_, "SELECT id FROM jobs WHERE kind = 'email.welcome' AND payload LIKE $1",
                                 {"%\"customer_id\":" + std::to_string(c.id) + "%"})
                            .front()
                            .i64("id");
        querySql(app_, "UPDATE jobs SET state = 'dead', attempts = max_attempts, last_error = $2 WHERE id = $1",
                 {id, error}, storage::TxMode::Write);
        return id;
    }
};

TEST_P(AdminJobs, ADeadJobIsShownMaskedAndRetriedNow) {
    Customer c = signUpCustomer(app_, "dead-letter@example.com");
    const std::string leaked = c.key;
    const auto job = deadWelcomeJob(c, "451 try later, and by the way " + leaked);
    Operator op = signInOperator(app_, "ops@example.net", "admin");
    const auto page = op.browser.get("/admin/jobs?state=dead");
    ASSERT_EQ(page.status, 200);
    EXPECT_TRUE(contains(page.body, "job-" + std::to_string(job))) << page.body;
    EXPECT_FALSE(contains(page.body, leaked)) << "a key in an error is masked";
    EXPECT_TRUE(contains(page.body, "451 try later"));

    const size_t before = emailsTo(app_, c.email, "Welcome to RSOLV").size();
    const auto r = operatorPost(op, "/admin/jobs?state=dead", "/admin/jobs/" + std::to_string(job) + "/retry",
                                {{"reason", "SMTP relay fixed"}});
    ASSERT_EQ(r.status, 303) << r.body.substr(0, 300);
    drainJobs(app_);
    EXPECT_EQ(emailsTo(app_, c.email, "Welcome to RSOLV").size(), before + 1);
    const auto rows = auditRows(app_, "action = 'job.retry'");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_TRUE(contains(rows[0], "SMTP relay fixed"));
    EXPECT_TRUE(contains(rows[0], "\"state\":\"dead\"")) << rows[0];
    // A completed job cannot be retried.
    EXPECT_EQ(operatorPost(op, "/admin/jobs", "/admin/jobs/" + std::to_string(job) + "/retry", {{"reason", "again"}})
                  .status,
              422);
}

TEST_P(AdminJobs, DiscardAndRetryAllDeadOfAKind) {
    Customer a = signUpCustomer(app_, "a@example.com");
    Customer b = signUpCustomer(app_, "b@example.com");
    Customer c = signUpCustomer(app_, "c@example.com");
    const auto ja = deadWelcomeJob(a, "550 no");
    const auto jb = deadWelcomeJob(b, "550 no");
    const auto jc = deadWelcomeJob(c, "550 no");
    Operator op = signInOperator(app_, "ops@example.net", "admin");
    ASSERT_EQ(operatorPost(op, "/admin/jobs", "/admin/jobs/" + std::to_string(ja) + "/discard", {{"reason", "spam"}})
                  .status,
              303);
    EXPECT_EQ(querySql(app_, "SELECT state FROM jobs WHERE id = $1", {ja}).front().str("state"), "cancelled");
    ASSERT_EQ(operatorPost(op, "/admin/jobs", "/admin/jobs/retry-dead", {{"kind", "email.welcome"}, {"reason", "outage over"}})
                  .status,
              303);
    for (auto id : {jb, jc})
        EXPECT_EQ(querySql(app_, "SELECT state FROM jobs WHERE id = $1", {id}).front().str("state"), "available");
    EXPECT_EQ(querySql(app_, "SELECT state FROM jobs WHERE id = $1", {ja}).front().str("state"), "cancelled");
    const auto rows = auditRows(app_, "action = 'job.retry_dead'");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_TRUE(contains(rows[0], "\"retried\":2")) << rows[0];
}

TEST_P(AdminJobs, TheCommandLineListsRetriesAndDiscards) {
    Customer a = signUpCustomer(app_, "cli-jobs@example.com");
    const auto job = deadWelcomeJob(a, "421 busy");
    const auto list = runAdminCli(app_, {"jobs", "list", "--state", "dead", "--json"});
    ASSERT_EQ(list.status, 0) << list.err;
    const auto jobs = nlohmann::json::parse(list.out).at("jobs");
    ASSERT_EQ(jobs.size(), 1u) << list.out;
    EXPECT_EQ(jobs[0].value("id", std::int64_t(0)), job);
    EXPECT_NE(runAdminCli(app_, {"jobs", "retry", std::to_string(job)}).status, 0) << "--reason is required";
    const auto retry = runAdminCli(app_, {"jobs", "retry", std::to_string(job), "--reason", "try again"});
    EXPECT_EQ(retry.status, 0) << retry.err;
    EXPECT_EQ(querySql(app_, "SELECT state FROM jobs WHERE id = $1", {job}).front().str("state"), "available");
    const auto discard = runAdminCli(app_, {"jobs", "discard", std::to_string(job), "--reason", "never mind"});
    EXPECT_EQ(discard.status, 0) << discard.err;
    EXPECT_NE(runAdminCli(app_, {"jobs", "discard", "999999", "--reason", "x"}).status, 0);
    EXPECT_EQ(auditRows(app_, "actor = 'cli:tester'").size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Backends, AdminJobs, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
