// Issue 9 on both backends: a suspended customer gets no email of any kind. Jobs queued before the suspension
// (welcome, onboarding, sign-in link, already-registered notice, email-change confirmation) and after it (a sign-in
// link asked for at /login) all run through the real job worker and send nothing, each recording why.

#include <gtest/gtest.h>

#include <string>

#include "domain/accounts.h"
#include "integration/dashboard_test_helpers.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;

class SuspendedCustomer : public ::testing::TestWithParam<Backend> {};

TEST_P(SuspendedCustomer, GetsNoEmailOfAnyKind) {
    TestApp app(GetParam(), dashboardConfig());
    // Signup queues the welcome email and three onboarding emails.
    auto c = signUpCustomer(app, "suspended@example.com");
    // A second signup with the address queues an "already registered" notice to the owner.
    HttpClient other(app.port(), app.publicUrl());
    ASSERT_EQ(other.signup("suspended@example.com", "Someone").status, 200);
    // An email change queues a confirmation to the new address.
    const auto change = submitForm(c.browser, "/dashboard/settings", "/dashboard/settings/email",
                                   {{"new_email", "new-address@example.com"}});
    ASSERT_EQ(change.status, 303) << change.body.substr(0, 300);
    // A sign-in link asked for before the suspension.
    HttpClient asker(app.port(), app.publicUrl());
    ASSERT_EQ(requestSignInLink(asker, "suspended@example.com").status, 303);

    storage::inTransaction(app.db(), storage::TxMode::Write, [&](storage::Transaction& tx) {
        ASSERT_TRUE(domain::setCustomerStatus(tx, c.id, "suspended", app.clock().now()));
    });
    // And one asked for after it.
    HttpClient later(app.port(), app.publicUrl());
    ASSERT_EQ(requestSignInLink(later, "suspended@example.com").status, 303);

    int ran = drainJobs(app);
    for (int day = 0; day < 8; ++day) {  // past the last onboarding email (one week)
        app.clock().advance(24h);
        ran += drainJobs(app);
    }
    EXPECT_GE(ran, 8) << "welcome, 3 onboarding, already registered, email change, 2 sign-in links";
    EXPECT_EQ(outbox(app).size(), 0u) << "a suspended customer was sent: " << outbox(app).front().subject();
    EXPECT_EQ(app.count("email_deliveries"), 0);
    EXPECT_EQ(app.count("provisioning_events", "status = 'skipped' AND CAST(details AS TEXT) LIKE '%customer_suspended%' AND "
                                               "customer_id = " + std::to_string(c.id)),
              8)
        << "each email job records why it sent nothing";
    EXPECT_EQ(app.count("jobs", "state NOT IN ('completed')"), 0) << "every job ran to its end";
}

INSTANTIATE_TEST_SUITE_P(Backends, SuspendedCustomer, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
