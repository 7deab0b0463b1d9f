#include "mail/smtp_mailer.h"

#include <gtest/gtest.h>

#include <Poco/DateTime.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Net/MailMessage.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "mail/message.h"
#include "support/smtp_test_server.h"

namespace rsolv::mail {
namespace {

using Kind = SendResult::Kind;
using test::SmtpTestServer;

MailSettings smtpSettings(unsigned short port, MailSettings::Transport transport = MailSettings::Transport::Smtp) {
    MailSettings s;
    s.transport = transport;
    s.host = "127.0.0.1";
    s.port = port;
    s.from_address = "noreply@rsolv.example";
    s.reply_to = "support@rsolv.example";
    s.connect_timeout_seconds = 3;
    s.io_timeout_seconds = 5;
    return s;
}

EmailMessage message(const std::string& id, const std::string& to) {
    EmailMessage m;
    m.to_address = to;
    m.to_name = "Jürgen";
    m.subject = "Willkommen, Jürgen ✓";
    m.text_body = "Hallo,\n.\nIhr Schlüssel steht unten.\n";
    m.html_body = "<p>Hallo</p>\n";
    m.message_id = id;
    m.headers = {{"List-Unsubscribe", "<https://rsolv.example/u/abc>, <mailto:u@rsolv.example>"},
                 {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
    return m;
}

std::unique_ptr<Poco::Net::MailMessage> parse(const std::string& raw) {
    std::istringstream in(raw);
    auto parsed = std::make_unique<Poco::Net::MailMessage>();
    parsed->read(in);
    return parsed;
}

std::string messageId(const std::string& raw) { return parse(raw)->get("Message-ID", "<none>"); }

TEST(MailSmtp, MessageArrivesWithItsMessageIdAndHeadersByteForByte) {
    SmtpTestServer server;
    const MailSettings settings = smtpSettings(server.port());
    SmtpMailer mailer(settings);
    const EmailMessage m = message("<welcome.7@rsolv.example>", "juergen@example.com");
    const auto results = mailer.send({m});
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].kind, Kind::Sent) << results[0].detail;
    EXPECT_EQ(results[0].detail.rfind("250", 0), 0u) << results[0].detail;

    const auto received = server.messages();
    ASSERT_EQ(received.size(), 1u);
    const auto parsed_ptr = parse(received[0]);
    const auto& parsed = *parsed_ptr;
    EXPECT_EQ(parsed.get("Message-ID"), "<welcome.7@rsolv.example>");
    EXPECT_EQ(parsed.get("List-Unsubscribe"), "<https://rsolv.example/u/abc>, <mailto:u@rsolv.example>");
    EXPECT_EQ(parsed.get("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
    EXPECT_EQ(parsed.get("Reply-To"), "support@rsolv.example");

    int tzd = 0;
    const Poco::DateTime date = Poco::DateTimeParser::parse(parsed.get("Date"), tzd);
    EXPECT_EQ(received[0], renderMessage(settings, m, std::chrono::system_clock::from_time_t(date.timestamp().epochTime())));
}

TEST(MailSmtp, TemporaryRecipientFailureIsTransientThenSentOnRetry) {
    SmtpTestServer server;
    SmtpMailer mailer(smtpSettings(server.port()));
    server.failNext(1, "451 4.3.0 Try again later");
    const EmailMessage m = message("<welcome.8@rsolv.example>", "a@example.com");

    auto first = mailer.send({m});
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].kind, Kind::Transient);
    EXPECT_EQ(first[0].detail, "451 4.3.0 Try again later");
    EXPECT_TRUE(server.messages().empty());

    auto retry = mailer.send({m});
    ASSERT_EQ(retry.size(), 1u);
    EXPECT_EQ(retry[0].kind, Kind::Sent) << retry[0].detail;
    ASSERT_EQ(server.messages().size(), 1u);
    EXPECT_EQ(messageId(server.messages()[0]), "<welcome.8@rsolv.example>");
}

TEST(MailSmtp, PermanentRecipientFailureDoesNotStopTheBatch) {
    SmtpTestServer server;
    server.rejectRecipient("bad@example.com");
    SmtpMailer mailer(smtpSettings(server.port()));
    const auto results = mailer.send({message("<m.1@rsolv.example>", "one@example.com"),
                                      message("<m.2@rsolv.example>", "bad@example.com"),
                                      message("<m.3@rsolv.example>", "three@example.com")});
    ASSERT_EQ(results.size(), 3u);
    EXPECT_EQ(results[0].kind, Kind::Sent) << results[0].detail;
    EXPECT_EQ(results[1].kind, Kind::Permanent);
    EXPECT_EQ(results[1].detail, "550 5.1.1 No such user");
    EXPECT_EQ(results[2].kind, Kind::Sent) << results[2].detail;

    const auto received = server.messages();
    ASSERT_EQ(received.size(), 2u);
    EXPECT_EQ(messageId(received[0]), "<m.1@rsolv.example>");
    EXPECT_EQ(messageId(received[1]), "<m.3@rsolv.example>");
}

TEST(MailSmtp, DataRejectionsAreClassified) {
    SmtpTestServer server;
    server.failNextData(1, "452 4.3.1 Insufficient system storage");
    server.failNextData(1, "554 5.6.0 Message content rejected");
    SmtpMailer mailer(smtpSettings(server.port()));
    const auto results = mailer.send({message("<d.1@rsolv.example>", "a@example.com"),
                                      message("<d.2@rsolv.example>", "b@example.com"),
                                      message("<d.3@rsolv.example>", "c@example.com")});
    ASSERT_EQ(results.size(), 3u);
    EXPECT_EQ(results[0].kind, Kind::Transient);
    EXPECT_EQ(results[0].detail, "452 4.3.1 Insufficient system storage");
    EXPECT_EQ(results[1].kind, Kind::Permanent);
    EXPECT_EQ(results[1].detail, "554 5.6.0 Message content rejected");
    EXPECT_EQ(results[2].kind, Kind::Sent) << results[2].detail;
    ASSERT_EQ(server.messages().size(), 1u);
    EXPECT_EQ(messageId(server.messages()[0]), "<d.3@rsolv.example>");
}

TEST(MailSmtp, InvalidMessageIsPermanentAndTheRestGoOut) {
    SmtpTestServer server;
    SmtpMailer mailer(smtpSettings(server.port()));
    auto bad = message("<i.1@rsolv.example>", "ok@example.com");
    bad.headers.push_back({"X-Note", "a\r\nBcc: victim@example.com"});
    const auto results = mailer.send({bad, message("<i.2@rsolv.example>", "ok@example.com")});
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0].kind, Kind::Permanent);
    EXPECT_EQ(results[1].kind, Kind::Sent) << results[1].detail;
    ASSERT_EQ(server.messages().size(), 1u);
    EXPECT_EQ(server.messages()[0].find("victim"), std::string::npos);
}

// Issue 10: a transport that cannot be reached is Unavailable (the email waits without spending an attempt), no
// longer Transient; the same for a session refused at STARTTLS, TLS or AUTH.
TEST(MailSmtp, ServerDownIsUnavailableAndUpAgainSends) {
    SmtpTestServer server;
    SmtpMailer mailer(smtpSettings(server.port()));
    server.stop();
    const EmailMessage m = message("<down.1@rsolv.example>", "a@example.com");
    auto down = mailer.send({m, message("<down.2@rsolv.example>", "b@example.com")});
    ASSERT_EQ(down.size(), 2u);
    for (const auto& r : down) {
        EXPECT_EQ(r.kind, Kind::Unavailable);
        EXPECT_NE(r.detail.find("connection"), std::string::npos) << r.detail;
    }

    server.start();
    auto up = mailer.send({m});
    ASSERT_EQ(up.size(), 1u);
    EXPECT_EQ(up[0].kind, Kind::Sent) << up[0].detail;
    EXPECT_EQ(server.messages().size(), 1u);
}

TEST(MailSmtp, RefusedStartTlsIsUnavailableAndNothingIsSentInClear) {
    SmtpTestServer server;  // aiosmtpd without a TLS context answers STARTTLS with 454
    MailSettings settings = smtpSettings(server.port(), MailSettings::Transport::SmtpStartTls);
    settings.username = "rsolv";
    settings.password = "hunter2";
    SmtpMailer mailer(settings);
    const auto results = mailer.send({message("<tls.1@rsolv.example>", "a@example.com")});
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].kind, Kind::Unavailable);
    EXPECT_NE(results[0].detail.find("STARTTLS"), std::string::npos) << results[0].detail;
    EXPECT_EQ(results[0].detail.find("hunter2"), std::string::npos);
    EXPECT_TRUE(server.messages().empty());
}

TEST(MailSmtp, SmtpsToAPlainServerIsUnavailable) {
    SmtpTestServer server;
    SmtpMailer mailer(smtpSettings(server.port(), MailSettings::Transport::Smtps));
    const auto results = mailer.send({message("<tls.2@rsolv.example>", "a@example.com")});
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].kind, Kind::Unavailable) << results[0].detail;
    EXPECT_TRUE(server.messages().empty());
}

TEST(MailSmtp, LogsInOnlyWithTheRightCredentials) {
    SmtpTestServer server("rsolv:s3cret");  // requires AUTH before MAIL
    MailSettings settings = smtpSettings(server.port());
    settings.username = "rsolv";
    settings.password = "s3cret";
    auto ok = SmtpMailer(settings).send({message("<auth.1@rsolv.example>", "a@example.com")});
    ASSERT_EQ(ok.size(), 1u);
    EXPECT_EQ(ok[0].kind, Kind::Sent) << ok[0].detail;

    settings.password = "wrong-password";
    auto wrong = SmtpMailer(settings).send({message("<auth.2@rsolv.example>", "a@example.com")});
    ASSERT_EQ(wrong.size(), 1u);
    EXPECT_EQ(wrong[0].kind, Kind::Unavailable);
    EXPECT_NE(wrong[0].detail.find("authentication failed"), std::string::npos) << wrong[0].detail;
    EXPECT_EQ(wrong[0].detail.find("wrong-password"), std::string::npos);

    ASSERT_EQ(server.messages().size(), 1u);
    EXPECT_EQ(messageId(server.messages()[0]), "<auth.1@rsolv.example>");
}

TEST(MailSmtp, SendsReuseOneConnectionWithRsetBetweenMessages) {
    SmtpTestServer server;
    server.rejectRecipient("bad@example.com");
    SmtpMailer mailer(smtpSettings(server.port()));
    EXPECT_EQ(mailer.send({message("<r.1@rsolv.example>", "a@example.com")}).at(0).kind, Kind::Sent);
    EXPECT_EQ(mailer.send({message("<r.2@rsolv.example>", "bad@example.com")}).at(0).kind, Kind::Permanent)
        << "a 5xx for an address stays permanent";
    EXPECT_EQ(mailer.send({message("<r.3@rsolv.example>", "c@example.com")}).at(0).kind, Kind::Sent);
    EXPECT_EQ(server.messages().size(), 2u);
    EXPECT_EQ(server.sessions(), 1) << "one SMTP session carried every message";
}

TEST(MailSmtp, AConnectionTheServerDroppedIsReplacedWithoutLosingTheMessage) {
    SmtpTestServer server;
    SmtpMailer mailer(smtpSettings(server.port()));
    EXPECT_EQ(mailer.send({message("<x.1@rsolv.example>", "a@example.com")}).at(0).kind, Kind::Sent);
    server.stop();  // the idle connection dies with it
    server.start();
    const auto again = mailer.send({message("<x.2@rsolv.example>", "a@example.com")});
    EXPECT_EQ(again.at(0).kind, Kind::Sent) << again.at(0).detail;
    ASSERT_EQ(server.messages().size(), 2u);
    EXPECT_EQ(messageId(server.messages()[1]), "<x.2@rsolv.example>");
}

TEST(MailSmtp, DescribeNeverShowsThePassword) {
    MailSettings settings = smtpSettings(2525, MailSettings::Transport::Smtps);
    settings.username = "apikey";
    settings.password = "hunter2";
    EXPECT_EQ(SmtpMailer(settings).describe(), "smtps://apikey@127.0.0.1:2525");
}

}  // namespace
}  // namespace rsolv::mail
