// RFC-065 onboarding follow-ups on both backends: 24 hours, 72 hours and a week after signup, their content chosen
// when they go out, each with a one-click unsubscribe (RFC 8058) that stops the ones still to come.

#include <gtest/gtest.h>

#include <regex>

#include "domain/onboarding.h"
#include "jobs/email_test_support.h"
#include "jobs/job_rows.h"

namespace rsolv::test {
namespace {

using namespace std::chrono_literals;

struct FollowUpStep {
    std::string kind;  ///< job kind
    std::string name;  ///< as in the Message-ID and event type
    Duration delay;
};

const std::vector<FollowUpStep>& steps() {
    static const std::vector<FollowUpStep> all = {{"email.onboarding_24h", "onboarding_24h", 24h},
                                                  {"email.onboarding_72h", "onboarding_72h", 72h},
                                                  {"email.onboarding_1w", "onboarding_1w", 7 * 24h}};
    return all;
}

std::string messageIdOf(const std::string& name, std::int64_t customer_id) {
    return "<" + name + "." + std::to_string(customer_id) + "@rsolv.test>";
}

/// The URL inside List-Unsubscribe: <URL>.
std::string unsubscribeUrl(const ReceivedEmail& m) {
    std::smatch match;
    const std::string value = m.header("List-Unsubscribe");
    if (!std::regex_match(value, match, std::regex("<(https?://[^>]+/unsubscribe/[^>]+)>"))) return {};
    return match[1];
}

std::string pathOf(const std::string& url) {
    const auto scheme = url.find("://");
    return url.substr(url.find('/', scheme + 3));
}

class EmailOnboarding : public ::testing::TestWithParam<Backend> {
protected:
    SmtpTestServer smtp_;
    TestApp app_{GetParam(), viaSmtp(smtp_)};
    Timestamp signed_up_;

    int drain() { return app_.app().worker().drain(); }

    storage::CustomerRecord signUp(const std::string& email, const std::string& name) {
        HttpClient browser(app_.port(), app_.publicUrl());
        signed_up_ = app_.clock().now();
        const auto res = browser.signup(email, name);
        EXPECT_EQ(res.status, 303) << res.body;
        EXPECT_EQ(drain(), 1) << "the welcome email";
        return customerByEmail(app_, email);
    }

    /// One-click unsubscribe as a mail client does it: POST, no cookie, no CSRF token, no Origin.
    HttpResponse oneClick(const std::string& path) {
        HttpClient mail_client(app_.port(), app_.publicUrl());
        mail_client.sendOrigin = false;
        return mail_client.request("POST", path, "List-Unsubscribe=One-Click", "application/x-www-form-urlencoded");
    }
};

TEST_P(EmailOnboarding, OnboardingEmailsDeliveredInSequence) {
    const auto customer = signUp("olga@example.com", "Olga Ivanova");
    size_t expected_total = 1;
    for (const auto& step : steps()) {
        SCOPED_TRACE(step.name);
        app_.clock().set(signed_up_ + step.delay - 1s);
        EXPECT_EQ(drain(), 0) << "not before its time";
        EXPECT_EQ(smtp_.messages().size(), expected_total);

        app_.clock().set(signed_up_ + step.delay);
        EXPECT_EQ(drain(), 1);
        const auto mails = receivedEmails(smtp_);
        ASSERT_EQ(mails.size(), ++expected_total);
        const auto& m = mails.back();
        EXPECT_EQ(m.messageId(), messageIdOf(step.name, customer.id));
        EXPECT_NE(m.header("To").find("<olga@example.com>"), std::string::npos);
        EXPECT_EQ(m.content_type.rfind("multipart/alternative", 0), 0u);
        // No API call yet: the "add RSOLV to your repository" variant.
        EXPECT_EQ(m.subject(), "Add RSOLV to your repository in two minutes");
        EXPECT_NE(m.text.find("Hi Olga Ivanova,"), std::string::npos) << m.text;
        EXPECT_NE(m.text.find("We haven't seen your repository call RSOLV yet"), std::string::npos) << m.text;
        EXPECT_NE(m.html.find("We haven't seen your repository call RSOLV yet"), std::string::npos);
        EXPECT_EQ(m.text.find("free fixes."), std::string::npos) << "not the fixes-running variant";
        // RFC 8058 one-click unsubscribe, also as a link in both parts.
        const std::string url = unsubscribeUrl(m);
        EXPECT_FALSE(url.empty()) << "List-Unsubscribe: " << m.header("List-Unsubscribe");
        EXPECT_EQ(m.header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
        if (!url.empty()) {
            EXPECT_NE(m.text.find(url), std::string::npos);
            EXPECT_NE(m.html.find(url), std::string::npos);
        }
        EXPECT_FALSE(linkPath(m.text, "signin").empty()) << "a dashboard link";
        EXPECT_EQ(findApiKey(m.everything()), "");

        const auto sent = eventsOf(app_, customer.id, step.name + "_email");
        ASSERT_EQ(sent.size(), 1u);
        EXPECT_EQ(sent[0].status, "sent");
        EXPECT_EQ(sent[0].details.value("content", ""), "no_api_call_yet");
        const auto job = jobByUniqueKey(app_.db(), domain::emailJobKey(step.kind, customer.id));
        ASSERT_TRUE(job);
        EXPECT_EQ(job->state, "completed");
    }
    // Opening the unsubscribe page (a GET) changes nothing.
    const auto last = receivedEmails(smtp_).back();
    HttpClient browser(app_.port(), app_.publicUrl());
    EXPECT_EQ(browser.get(pathOf(unsubscribeUrl(last))).status, 200);
    EXPECT_TRUE(customerById(app_, customer.id).onboarding_emails);

    app_.clock().advance(30 * 24h);
    EXPECT_EQ(drain(), 0);
    EXPECT_EQ(smtp_.messages().size(), 4u) << "welcome + three follow-ups, each once";
}

TEST_P(EmailOnboarding, OneClickUnsubscribeSkipsLaterOnboardingEmails) {
    const auto customer = signUp("uma@example.com", "Uma Thurn");
    app_.clock().set(signed_up_ + 24h);
    EXPECT_EQ(drain(), 1);
    const auto mails = receivedEmails(smtp_);
    ASSERT_EQ(mails.size(), 2u);
    const std::string url = unsubscribeUrl(mails[1]);
    ASSERT_FALSE(url.empty()) << mails[1].header("List-Unsubscribe");
    const std::string path = pathOf(url);

    // A forged token for the same customer does nothing.
    const std::string forged = path.substr(0, path.find('.') + 1) + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    EXPECT_EQ(oneClick(forged).status, 404);
    EXPECT_TRUE(customerById(app_, customer.id).onboarding_emails);

    const auto res = oneClick(path);
    EXPECT_EQ(res.status, 200) << res.body;
    EXPECT_FALSE(customerById(app_, customer.id).onboarding_emails);
    EXPECT_EQ(statusesOf(eventsOf(app_, customer.id, "onboarding_emails")), (std::vector<std::string>{"unsubscribed"}));
    EXPECT_EQ(oneClick(path).status, 200) << "a second click is fine";
    EXPECT_EQ(eventsOf(app_, customer.id, "onboarding_emails").size(), 1u);

    for (const auto& step : {steps()[1], steps()[2]}) {
        SCOPED_TRACE(step.name);
        app_.clock().set(signed_up_ + step.delay);
        EXPECT_EQ(drain(), 1) << "the job runs and decides to send nothing";
        EXPECT_EQ(smtp_.messages().size(), 2u);
        const auto job = jobByUniqueKey(app_.db(), domain::emailJobKey(step.kind, customer.id));
        ASSERT_TRUE(job);
        EXPECT_EQ(job->state, "completed");
        const auto events = eventsOf(app_, customer.id, step.name + "_email");
        ASSERT_EQ(events.size(), 1u);
        EXPECT_EQ(events[0].status, "skipped");
        EXPECT_EQ(events[0].details.value("reason", ""), "unsubscribed");
    }

    // Unsubscribing from tips does not stop the emails a customer needs.
    HttpClient again(app_.port(), app_.publicUrl());
    EXPECT_EQ(again.signup("uma@example.com", "Uma Thurn").status, 200);
    EXPECT_EQ(drain(), 1);
    const auto after = receivedEmails(smtp_);
    ASSERT_EQ(after.size(), 3u);
    EXPECT_EQ(after[2].subject(), "You already have an RSOLV account");
}

TEST_P(EmailOnboarding, FollowUpContentIsChosenWhenItIsSent) {
    const auto customer = signUp("fay@example.com", "Fay Wray");
    auto useFixes = [&](int n) {
        storage::inTransaction(app_.db(), storage::TxMode::Write, [&](storage::Transaction& tx) {
            for (int i = 0; i < n; ++i) ASSERT_TRUE(storage::CustomerRepository(tx).consumeFixCredit(customer.id, app_.clock().now()));
        });
    };

    useFixes(3);
    app_.clock().set(signed_up_ + 24h);
    EXPECT_EQ(drain(), 1);
    auto m = receivedEmails(smtp_).back();
    EXPECT_EQ(m.subject(), "How your RSOLV trial is going");
    EXPECT_NE(m.text.find("you have used 3 of 10 free fixes"), std::string::npos) << m.text;
    EXPECT_EQ(m.text.find("We haven't seen"), std::string::npos);

    useFixes(7);
    app_.clock().set(signed_up_ + 72h);
    EXPECT_EQ(drain(), 1);
    m = receivedEmails(smtp_).back();
    EXPECT_EQ(m.subject(), "You've used your free RSOLV fixes: what's next");
    EXPECT_NE(m.text.find("You have used all 10 free fixes"), std::string::npos) << m.text;
    const auto sent = eventsOf(app_, customer.id, "onboarding_72h_email");
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].details.value("content", ""), "trial_used_up");
}

INSTANTIATE_TEST_SUITE_P(Backends, EmailOnboarding, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
