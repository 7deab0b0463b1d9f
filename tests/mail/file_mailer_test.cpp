#include "mail/file_mailer.h"

#include <gtest/gtest.h>

#include <Poco/DateTime.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Net/MailMessage.h>

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mail/message.h"

namespace rsolv::mail {
namespace {

namespace fs = std::filesystem;
using Kind = SendResult::Kind;

class MailFileMailer : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "rsolv-outbox-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        root_ = pattern;
        settings_.transport = MailSettings::Transport::File;
        settings_.directory = (root_ / "nested" / "outbox").string();  // created on first send
        settings_.from_address = "noreply@rsolv.example";
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(root_, ec);
    }

    static EmailMessage message(const std::string& id, const std::string& to) {
        EmailMessage m;
        m.to_address = to;
        m.to_name = "Zoë";
        m.subject = "Your key ✓";
        m.text_body = "Hello\n";
        m.html_body = "<p>Hello</p>\n";
        m.message_id = id;
        m.headers = {{"List-Unsubscribe", "<https://rsolv.example/u/abc>"}};
        return m;
    }

    std::vector<fs::path> files() const {
        std::vector<fs::path> out;
        for (const auto& entry : fs::directory_iterator(settings_.directory)) out.push_back(entry.path());
        std::sort(out.begin(), out.end());
        return out;
    }

    static std::string read(const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        std::ostringstream out;
        out << in.rdbuf();
        return out.str();
    }

    fs::path root_;
    MailSettings settings_;
};

TEST_F(MailFileMailer, WritesOneParseableEmlPerMessageWithTheRenderedBytes) {
    FileMailer mailer(settings_);
    const std::vector<EmailMessage> batch = {message("<welcome.1@rsolv.example>", "a@example.com"),
                                             message("<welcome.2@rsolv.example>", "b@example.com")};
    const auto results = mailer.send(batch);
    ASSERT_EQ(results.size(), 2u);
    for (const auto& r : results) EXPECT_EQ(r.kind, Kind::Sent) << r.detail;

    const auto written = files();
    ASSERT_EQ(written.size(), 2u);  // no temporary files left behind
    for (std::size_t i = 0; i < written.size(); ++i) {
        const std::string name = written[i].filename().string();
        EXPECT_EQ(written[i].extension(), ".eml");
        EXPECT_NE(name.find("welcome." + std::to_string(i + 1) + "@rsolv.example"), std::string::npos) << name;
        EXPECT_EQ(name.find('<'), std::string::npos);

        const std::string raw = read(written[i]);
        std::istringstream in(raw);
        Poco::Net::MailMessage parsed;
        parsed.read(in);
        EXPECT_EQ(parsed.get("Message-ID"), batch[i].message_id);
        EXPECT_EQ(parsed.get("List-Unsubscribe"), "<https://rsolv.example/u/abc>");

        // The very bytes renderMessage() gives for the Date the file carries.
        int tzd = 0;
        const Poco::DateTime date = Poco::DateTimeParser::parse(parsed.get("Date"), tzd);
        const auto when = std::chrono::system_clock::from_time_t(date.timestamp().epochTime());
        EXPECT_EQ(raw, renderMessage(settings_, batch[i], when));
    }
    EXPECT_EQ(mailer.describe(), "file:" + settings_.directory);
}

TEST_F(MailFileMailer, InvalidMessageIsPermanentAndWritesNothing) {
    FileMailer mailer(settings_);
    auto bad = message("<welcome.3@rsolv.example>", "a@example.com\r\nBcc: v@example.com");
    const auto results = mailer.send({bad, message("<welcome.4@rsolv.example>", "c@example.com")});
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0].kind, Kind::Permanent);
    EXPECT_EQ(results[1].kind, Kind::Sent);
    EXPECT_EQ(files().size(), 1u);
}

TEST_F(MailFileMailer, UnwritableDirectoryIsTransient) {
    std::ofstream(root_ / "a-file") << "x";
    settings_.directory = (root_ / "a-file" / "outbox").string();  // a directory under a regular file: impossible
    FileMailer mailer(settings_);
    const auto results = mailer.send({message("<welcome.5@rsolv.example>", "a@example.com")});
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].kind, Kind::Transient);
    EXPECT_FALSE(results[0].detail.empty());
}

}  // namespace
}  // namespace rsolv::mail
