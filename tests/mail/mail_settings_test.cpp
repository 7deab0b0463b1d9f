#include "mail/mail_settings.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace rsolv::mail {
namespace {

using Transport = MailSettings::Transport;

MailSettings parsed(const std::string& url) {
    auto r = parseMailUrl(url);
    EXPECT_TRUE(r.ok()) << url << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? r.value() : MailSettings{};
}

TEST(MailUrl, FileDirectory) {
    auto s = parsed("file:var/mail");
    EXPECT_EQ(s.transport, Transport::File);
    EXPECT_EQ(s.directory, "var/mail");
    EXPECT_EQ(parsed("file:/srv/rsolv/outbox").directory, "/srv/rsolv/outbox");
    EXPECT_EQ(parsed("file:///srv/rsolv/outbox").directory, "/srv/rsolv/outbox");
}

TEST(MailUrl, SmtpWithDefaultPorts) {
    auto plain = parsed("smtp://mail.example.com");
    EXPECT_EQ(plain.transport, Transport::Smtp);
    EXPECT_EQ(plain.host, "mail.example.com");
    EXPECT_EQ(plain.port, 25);
    EXPECT_TRUE(plain.username.empty());
    EXPECT_TRUE(plain.password.empty());

    auto starttls = parsed("smtp+starttls://smtp.example.com");
    EXPECT_EQ(starttls.transport, Transport::SmtpStartTls);
    EXPECT_EQ(starttls.port, 587);

    auto smtps = parsed("smtps://smtp.example.com/");
    EXPECT_EQ(smtps.transport, Transport::Smtps);
    EXPECT_EQ(smtps.port, 465);
}

TEST(MailUrl, PortsCredentialsAndIpv6) {
    EXPECT_EQ(parsed("smtp://127.0.0.1:2525").port, 2525);

    auto s = parsed("smtp+starttls://user%40example.com:p%3Ass%2Fw%25rd@smtp.example.com:2587");
    EXPECT_EQ(s.host, "smtp.example.com");
    EXPECT_EQ(s.port, 2587);
    EXPECT_EQ(s.username, "user@example.com");
    EXPECT_EQ(s.password, "p:ss/w%rd");

    auto v6 = parsed("smtps://u:p@[2001:db8::25]:4650");
    EXPECT_EQ(v6.host, "2001:db8::25");
    EXPECT_EQ(v6.port, 4650);

    // A password over plain SMTP only to a relay on this machine.
    EXPECT_EQ(parsed("smtp://relay:secret@localhost:25").username, "relay");
    EXPECT_EQ(parsed("smtp://relay:secret@127.0.0.1").password, "secret");
    EXPECT_EQ(parsed("smtp://relay:secret@[::1]:25").host, "::1");
}

TEST(MailUrl, BadUrlsNameTheVariableAndNeverTheirPassword) {
    for (const std::string url : {"", "http://mail.example.com", "mail.example.com", "smtp://", "smtp://:25",
                                  "smtp://mail.example.com:0", "smtp://mail.example.com:65536",
                                  "smtp://mail.example.com:25x", "smtp://mail.example.com:", "smtp://mail.example.com/path",
                                  "smtp://mail.example.com?x=1", "smtp://bad_host!", "smtp://[::1", "file:",
                                  "file://relative", "SMTP+TLS://mail.example.com", "smtp://user@mail.example.com",
                                  "smtp://:hunter2@mail.example.com", "smtp://user:@mail.example.com",
                                  "smtp://user:hun%zzter2@mail.example.com",
                                  "smtp://user:hunter2@mail.example.com",  // password in clear to a remote host
                                  "smtp://mail.example.com\r\n"}) {
        auto r = parseMailUrl(url);
        ASSERT_FALSE(r.ok()) << url;
        EXPECT_EQ(r.error().field, "RSOLV_MAIL_URL") << url;
        EXPECT_NE(r.error().message.find("RSOLV_MAIL_URL"), std::string::npos) << r.error().message;
        EXPECT_EQ(r.error().message.find("hunter2"), std::string::npos) << r.error().message;
        EXPECT_FALSE(r.error().code.empty());
    }
}

TEST(MailUrl, LoopbackHosts) {
    EXPECT_TRUE(isLoopbackHost("localhost"));
    EXPECT_TRUE(isLoopbackHost("127.0.0.1"));
    EXPECT_TRUE(isLoopbackHost("127.1.2.3"));
    EXPECT_TRUE(isLoopbackHost("::1"));
    EXPECT_FALSE(isLoopbackHost("127.0.0.1.evil.example"));
    EXPECT_FALSE(isLoopbackHost("localhost.example.com"));
    EXPECT_FALSE(isLoopbackHost("10.0.0.1"));
}

TEST(MailUrl, MakeMailerPicksTransportAndDescribesWithoutPassword) {
    MailSettings file = parsed("file:/tmp/rsolv-outbox");
    file.from_address = "noreply@rsolv.example";
    EXPECT_EQ(makeMailer(file)->describe(), "file:/tmp/rsolv-outbox");

    MailSettings smtp = parsed("smtp+starttls://apikey:hunter2@smtp.example.com");
    smtp.from_address = "noreply@rsolv.example";
    const std::string description = makeMailer(smtp)->describe();
    EXPECT_EQ(description, "smtp+starttls://apikey@smtp.example.com:587");
    EXPECT_EQ(description.find("hunter2"), std::string::npos);

    MailSettings no_from = parsed("smtp://127.0.0.1");
    EXPECT_THROW(makeMailer(no_from), std::invalid_argument);
    no_from.from_address = "bad\r\n@x";
    EXPECT_THROW(makeMailer(no_from), std::invalid_argument);
}

}  // namespace
}  // namespace rsolv::mail
