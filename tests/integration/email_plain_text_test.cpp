// Issue 9 item 8 on both backends, through the real job worker: the plain-text part of an email shows a name as the
// customer typed it (it was HTML-escaped: "O&apos;Brien"), the HTML part stays escaped, and a CR or LF in a name never
// reaches a header.

#include <gtest/gtest.h>

#include <string>

#include "integration/dashboard_test_helpers.h"
#include "storage/customer_repository.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

/// The header block of a raw message, up to the first empty line.
std::string headerBlock(const std::string& raw) { return raw.substr(0, raw.find("\r\n\r\n")); }

class EmailPlainText : public ::testing::TestWithParam<Backend> {};

TEST_P(EmailPlainText, TextPartsShowNamesLiterallyAndHtmlPartsEscapeThem) {
    TestApp app(GetParam(), dashboardConfig());
    const std::string name = "Siobhán O'Brien & <Sons> \"Ltd\"";
    HttpClient browser(app.port(), app.publicUrl());
    ASSERT_EQ(browser.signup("siobhan@example.com", name).status, 303);
    drainJobs(app);
    const auto mails = emailsTo(app, "siobhan@example.com");
    ASSERT_EQ(mails.size(), 1u);
    const auto& welcome = mails.front();
    EXPECT_TRUE(contains(welcome.text, "Welcome to RSOLV, " + name)) << welcome.text;
    for (const char* entity : {"&apos;", "&#39;", "&amp;", "&lt;", "&gt;", "&quot;"})
        EXPECT_FALSE(contains(welcome.text, entity)) << entity << " in the text part:\n" << welcome.text;
    EXPECT_TRUE(contains(welcome.html, "O&#39;Brien &amp; &lt;Sons&gt;") || contains(welcome.html, "O&apos;Brien &amp; &lt;Sons&gt;"))
        << welcome.html;
    EXPECT_FALSE(contains(welcome.html, "<Sons>")) << "the HTML part must stay escaped";
}

TEST_P(EmailPlainText, ALineBreakInANameNeverReachesAHeader) {
    TestApp app(GetParam(), dashboardConfig());
    HttpClient browser(app.port(), app.publicUrl());
    ASSERT_EQ(browser.signup("crlf@example.com", "Plain Name").status, 303);
    const auto id = customerByEmail(app, "crlf@example.com").id;
    // The forms refuse control characters; a name that got in another way (an import, an old row) must still be safe.
    storage::inTransaction(app.db(), storage::TxMode::Write, [&](storage::Transaction& tx) {
        storage::CustomerRepository(tx).updateProfile(
            id, "Mallory\r\nBcc: victim@example.org\r\nX-Injected: yes\nSubject: owned", std::nullopt,
            app.clock().now());
    });
    drainJobs(app);  // the welcome email: the name is in its To and its Subject
    const auto mails = emailsTo(app, "crlf@example.com");
    ASSERT_EQ(mails.size(), 1u);
    const std::string headers = headerBlock(mails.front().raw);
    EXPECT_FALSE(mails.front().hasHeader("Bcc")) << headers;
    EXPECT_FALSE(mails.front().hasHeader("X-Injected")) << headers;
    size_t subjects = 0;
    for (size_t pos = 0; pos < headers.size();) {
        if (headers.compare(pos, 8, "Subject:") == 0) ++subjects;
        const size_t eol = headers.find('\n', pos);
        pos = eol == std::string::npos ? headers.size() : eol + 1;
    }
    EXPECT_EQ(subjects, 1u) << headers;
    // Every header line is a header or a folded continuation; no bare LF anywhere in the header block.
    for (size_t i = 0; i < headers.size(); ++i)
        if (headers[i] == '\n') EXPECT_TRUE(i > 0 && headers[i - 1] == '\r') << "bare LF at " << i << ":\n" << headers;
    // The text part still shows the name (its line break is just text there, not a header).
    EXPECT_TRUE(contains(mails.front().text, "Mallory")) << mails.front().text;
}

INSTANTIATE_TEST_SUITE_P(Backends, EmailPlainText, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
