// RFC-065 welcome email, end to end on both backends: a signup over HTTP queues it in the signup's transaction, the
// job worker sends it through a real SMTP server, and its sign-in link works once.

#include <gtest/gtest.h>

#include <regex>

#include "domain/api_key.h"
#include "domain/onboarding.h"
#include "jobs/email_test_support.h"
#include "jobs/job_rows.h"
#include "storage/api_key_repository.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;

class EmailWelcome : public ::testing::TestWithParam<Backend> {
protected:
    SmtpTestServer smtp_;
    TestApp app_{GetParam(), viaSmtp(smtp_)};

    int drain() { return app_.app().worker().drain(); }
};

TEST_P(EmailWelcome, SendsWelcomeEmailOnProvisioning) {
    HttpClient browser(app_.port(), app_.publicUrl());
    const auto signup = browser.signup("jane@example.com", "Jane Doe", "Acme");
    ASSERT_EQ(signup.status, 303) << signup.body;
    const std::string key = findApiKey(browser.get("/welcome").body);
    ASSERT_FALSE(key.empty());
    const auto customer = customerByEmail(app_, "jane@example.com");
    EXPECT_TRUE(smtp_.messages().empty()) << "only the job worker talks to SMTP";

    EXPECT_EQ(drain(), 1) << "the welcome email is the only job due now";
    const auto mails = receivedEmails(smtp_);
    ASSERT_EQ(mails.size(), 1u);
    const auto& m = mails[0];
    EXPECT_EQ(m.header("To"), "\"Jane Doe\" <jane@example.com>");
    EXPECT_EQ(m.subject(), "Welcome to RSOLV, Jane Doe: your trial has started");
    EXPECT_EQ(m.messageId(), welcomeMessageId(customer.id));
    EXPECT_EQ(m.content_type.rfind("multipart/alternative", 0), 0u) << m.content_type;
    EXPECT_EQ(m.parts, 2);
    EXPECT_FALSE(m.hasHeader("List-Unsubscribe")) << "the welcome email is not a newsletter";

    // Name and the key's identifier in both parts, never the key itself.
    const std::string display_id = domain::displayIdOf(key);
    const auto stored_keys = storage::inTransaction(app_.db(), storage::TxMode::Read, [&](storage::Transaction& tx) {
        return storage::ApiKeyRepository(tx).listForCustomer(customer.id);
    });
    ASSERT_EQ(stored_keys.size(), 1u);
    EXPECT_EQ(stored_keys[0].display_id, display_id);
    EXPECT_TRUE(std::regex_search(display_id, std::regex("^rsolv_[0-9A-Za-z]{4}\xE2\x80\xA6[0-9A-Za-z]{4}$")))
        << display_id;
    for (const auto* part : {&m.text, &m.html}) {
        EXPECT_NE(part->find("Jane Doe"), std::string::npos);
        EXPECT_NE(part->find(display_id), std::string::npos);
    }
    EXPECT_EQ(m.everything().find(key), std::string::npos) << "the API key must not be in the email";
    EXPECT_EQ(findApiKey(m.everything()), "");

    // Recorded as sent, once.
    EXPECT_EQ(app_.count("email_deliveries"), 1);
    const auto sent = eventsOf(app_, customer.id, "welcome_email");
    EXPECT_EQ(statusesOf(sent), (std::vector<std::string>{"queued", "sent"}));
    EXPECT_EQ(detailsOf(sent, "sent").value("message_id", ""), welcomeMessageId(customer.id));
    const auto job = jobByUniqueKey(app_.db(), domain::emailJobKey(domain::email_kind::kWelcome, customer.id));
    ASSERT_TRUE(job);
    EXPECT_EQ(job->state, "completed");
    EXPECT_EQ(job->attempts, 1);

    // The sign-in link: a page with a button (a mail scanner's GET uses nothing up), then one sign-in.
    const std::string path = linkPath(m.text, "signin");
    ASSERT_FALSE(path.empty()) << m.text;
    EXPECT_EQ(linkPath(m.html, "signin"), path);
    HttpClient phone(app_.port(), app_.publicUrl());
    const auto page = phone.get(path);
    ASSERT_EQ(page.status, 200);
    EXPECT_EQ(phone.get(path).status, 200) << "fetching the page does not use the link up";
    const std::string csrf = inputValue(page.body, "csrf_token");
    ASSERT_FALSE(csrf.empty());
    // The form carries the page's return_to, as a browser submits it: the welcome link opens the setup wizard.
    const auto signed_in = phone.postForm(path, {{"csrf_token", csrf}, {"return_to", inputValue(page.body, "return_to")}});
    EXPECT_EQ(signed_in.status, 303) << signed_in.body;
    // The first use of an emailed link proves the address: the review of what was made before comes first, then
    // the setup wizard (issue 9, pre-hijacking).
    EXPECT_EQ(signed_in.header("location"), app_.publicUrl() + "/dashboard/review?return_to=%2Fdashboard%2Fsetup");
    EXPECT_TRUE(phone.cookies().count("rsolv_session"));
    const auto welcome = phone.get("/welcome");
    EXPECT_EQ(welcome.status, 200);
    EXPECT_NE(welcome.body.find("Jane Doe"), std::string::npos);
    EXPECT_EQ(findApiKey(welcome.body), "") << "signing in from the email never shows the key again";

    // Used once: a second sign-in with it, from anywhere, is refused.
    HttpClient laptop(app_.port(), app_.publicUrl());
    const std::string csrf2 = inputValue(laptop.get(path).body, "csrf_token");
    const auto again = laptop.postForm(path, {{"csrf_token", csrf2}});
    EXPECT_EQ(again.status, 410) << again.body;
    EXPECT_FALSE(laptop.cookies().count("rsolv_session"));
    const auto again_same = phone.postForm(path, {{"csrf_token", inputValue(phone.get(path).body, "csrf_token")}});
    EXPECT_EQ(again_same.status, 410);

    // Nothing is sent twice when the worker runs again.
    EXPECT_EQ(drain(), 0);
    EXPECT_EQ(smtp_.messages().size(), 1u);
}

TEST_P(EmailWelcome, SchedulesFollowUpEmails) {
    HttpClient browser(app_.port(), app_.publicUrl());
    const Timestamp signed_up = app_.clock().now();
    ASSERT_EQ(browser.signup("sam@example.com", "Sam Lee").status, 303);
    const auto customer = customerByEmail(app_, "sam@example.com");

    struct Expected {
        std::string_view kind;
        Duration delay;
    };
    const Expected expected[] = {{domain::email_kind::kWelcome, 0h},
                                 {domain::email_kind::kOnboarding24h, 24h},
                                 {domain::email_kind::kOnboarding72h, 72h},
                                 {domain::email_kind::kOnboarding1w, 7 * 24h}};
    EXPECT_EQ(allJobs(app_.db()).size(), 4u);
    for (const auto& e : expected) {
        SCOPED_TRACE(std::string(e.kind));
        const auto job = jobByUniqueKey(app_.db(), domain::emailJobKey(e.kind, customer.id));
        ASSERT_TRUE(job);
        EXPECT_EQ(job->kind, e.kind);
        EXPECT_EQ(job->state, "available");
        EXPECT_EQ(job->run_at, signed_up + e.delay);
        EXPECT_EQ(job->attempts, 0);
        EXPECT_EQ(nlohmann::json::parse(job->payload).value("customer_id", std::int64_t(0)), customer.id);
    }

    // Only the welcome email is due now; the follow-ups wait for their time.
    EXPECT_EQ(drain(), 1);
    app_.clock().advance(24h - 1s);
    EXPECT_EQ(drain(), 0);
    EXPECT_EQ(smtp_.messages().size(), 1u);
}

TEST_P(EmailWelcome, DuplicateSignupSendsAlreadyRegisteredEmailWithSignInLink) {
    HttpClient first(app_.port(), app_.publicUrl());
    ASSERT_EQ(first.signup("ada@example.com", "Ada Byron").status, 303);
    const auto customer = customerByEmail(app_, "ada@example.com");
    EXPECT_EQ(drain(), 1);

    HttpClient second(app_.port(), app_.publicUrl());
    const auto dup = second.signup("Ada@Example.com", "Someone Else");
    EXPECT_EQ(dup.status, 200) << dup.body;
    EXPECT_EQ(findApiKey(dup.body), "");
    EXPECT_EQ(app_.count("customers"), 1);
    EXPECT_EQ(drain(), 1);

    const auto mails = receivedEmails(smtp_);
    ASSERT_EQ(mails.size(), 2u);
    const auto& m = mails[1];
    EXPECT_EQ(m.subject(), "You already have an RSOLV account");
    EXPECT_NE(m.header("To").find("<ada@example.com>"), std::string::npos) << m.header("To");
    EXPECT_NE(m.header("To").find("Ada Byron"), std::string::npos) << "addressed to the account's owner";
    EXPECT_TRUE(std::regex_match(m.messageId(),
                                 std::regex("<already_registered\\." + std::to_string(customer.id) +
                                            "\\.[0-9a-f]+@rsolv\\.test>")))
        << m.messageId();
    EXPECT_EQ(m.content_type.rfind("multipart/alternative", 0), 0u);
    EXPECT_EQ(m.everything().find("Someone Else"), std::string::npos);
    EXPECT_EQ(findApiKey(m.everything()), "");
    EXPECT_EQ(statusesOf(eventsOf(app_, customer.id, "already_registered_email")),
              (std::vector<std::string>{"queued", "sent"}));

    // Its link signs the owner in.
    const std::string path = linkPath(m.text, "signin");
    ASSERT_FALSE(path.empty()) << m.text;
    EXPECT_EQ(linkPath(m.html, "signin"), path);
    HttpClient owner(app_.port(), app_.publicUrl());
    const auto res = owner.postForm(path, {{"csrf_token", inputValue(owner.get(path).body, "csrf_token")}});
    EXPECT_EQ(res.status, 303) << res.body;
    // The first proof of the address opens the review first (issue 9, pre-hijacking).
    EXPECT_EQ(res.header("location"), app_.publicUrl() + "/dashboard/review?return_to=%2Fdashboard");
    const auto welcome = owner.get("/welcome");
    EXPECT_EQ(welcome.status, 200);
    EXPECT_NE(welcome.body.find("Ada Byron"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, EmailWelcome, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
