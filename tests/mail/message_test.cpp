#include "mail/message.h"

#include <gtest/gtest.h>

#include <Poco/Base64Decoder.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/PartHandler.h>
#include <Poco/Net/QuotedPrintableDecoder.h>
#include <Poco/StreamCopier.h>

#include <chrono>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace rsolv::mail {
namespace {

using namespace std::chrono_literals;

MailSettings settings() {
    MailSettings s;
    s.from_address = "noreply@rsolv.example";
    s.from_name = "RSOLV";
    s.reply_to = "support@rsolv.example";
    return s;
}

EmailMessage welcome() {
    EmailMessage m;
    m.to_address = "juergen@example.com";
    m.to_name = "Jürgen Müller";
    m.subject = "Willkommen, Jürgen ✓";
    m.text_body = "Hallo Jürgen,\n\nIhr Schlüssel: rsolv_abc=123\n";
    m.html_body = "<p>Hallo J&uuml;rgen,</p>\n<p>Ihr Schl&uuml;ssel: <code>rsolv_abc=123</code></p>\n";
    m.message_id = "<welcome.c42@rsolv.example>";
    m.headers = {{"List-Unsubscribe", "<https://rsolv.example/unsubscribe?t=abc>, <mailto:unsubscribe@rsolv.example>"},
                 {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
    return m;
}

// 2025-01-02 03:04:05 UTC, a Thursday.
const auto kDate = std::chrono::system_clock::time_point(std::chrono::seconds(1735787045));

/// The header block as "Name: value" lines with folding undone.
std::vector<std::string> headerLines(const std::string& raw) {
    const std::string block = raw.substr(0, raw.find("\r\n\r\n"));
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= block.size()) {
        const std::size_t end = block.find("\r\n", start);
        const std::string line = block.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !lines.empty()) {
            lines.back() += line;
        } else {
            lines.push_back(line);
        }
        if (end == std::string::npos) break;
        start = end + 2;
    }
    return lines;
}

std::vector<std::string> headerValues(const std::string& raw, const std::string& name) {
    std::vector<std::string> out;
    for (const auto& line : headerLines(raw)) {
        if (line.size() > name.size() && strncasecmp(line.c_str(), name.c_str(), name.size()) == 0 &&
            line[name.size()] == ':')
            out.push_back(line.substr(name.size() + 2));
    }
    return out;
}

std::string header(const std::string& raw, const std::string& name) {
    const auto values = headerValues(raw, name);
    return values.empty() ? std::string("<absent>") : values.front();
}

std::string base64Decode(const std::string& text) {
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in);
    std::string out;
    Poco::StreamCopier::copyToString(decoder, out);
    return out;
}

bool isValidUtf8(const std::string& s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (int k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}

/// Decodes every "=?UTF-8?B?...?=" word (whitespace between words dropped, as RFC 2047 says); each word must be
/// valid UTF-8 on its own.
std::string decodeWords(const std::string& value) {
    std::string out;
    std::size_t pos = 0;
    bool last_was_word = false;
    while (pos < value.size()) {
        const std::size_t start = value.find("=?UTF-8?B?", pos);
        std::string between = value.substr(pos, start == std::string::npos ? std::string::npos : start - pos);
        if (!(last_was_word && between.find_first_not_of(" \t") == std::string::npos)) out += between;
        if (start == std::string::npos) break;
        const std::size_t end = value.find("?=", start + 10);
        const std::string word = base64Decode(value.substr(start + 10, end - start - 10));
        EXPECT_TRUE(isValidUtf8(word)) << "an encoded-word splits a UTF-8 sequence: " << value;
        out += word;
        pos = end + 2;
        last_was_word = true;
    }
    return out;
}

std::string crlf(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
        if (text[i] == '\n' || text[i] == '\r') {
            out += "\r\n";
        } else {
            out += text[i];
        }
    }
    return out;
}

struct Part {
    std::string content_type;
    std::string body;  // decoded
};

class CollectParts : public Poco::Net::PartHandler {
public:
    std::vector<Part> parts;
    void handlePart(const Poco::Net::MessageHeader& header, std::istream& stream) override {
        Part p;
        p.content_type = header.get("Content-Type", "");
        Poco::StreamCopier::copyToString(stream, p.body);
        parts.push_back(std::move(p));
    }
};

void expectWellFormed(const std::string& raw) {
    std::size_t line_length = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const auto c = static_cast<unsigned char>(raw[i]);
        ASSERT_LT(c, 0x80) << "8-bit byte at " << i;
        ASSERT_NE(c, 0) << "NUL at " << i;
        if (c == '\r') {
            ASSERT_TRUE(i + 1 < raw.size() && raw[i + 1] == '\n') << "bare CR at " << i;
        } else if (c == '\n') {
            ASSERT_TRUE(i > 0 && raw[i - 1] == '\r') << "bare LF at " << i;
            line_length = 0;
            continue;
        }
        if (c != '\r') {
            ASSERT_LE(++line_length, 998u) << "line too long at " << i;
        }
    }
    ASSERT_TRUE(raw.size() >= 2 && raw.compare(raw.size() - 2, 2, "\r\n") == 0);
}

TEST(MailRender, HeadersAreExactAndInOrder) {
    const std::string raw = renderMessage(settings(), welcome(), kDate);
    expectWellFormed(raw);
    const auto lines = headerLines(raw);
    ASSERT_GE(lines.size(), 10u);
    EXPECT_EQ(lines[0], "Date: Thu, 02 Jan 2025 03:04:05 +0000");
    EXPECT_EQ(lines[1], "From: \"RSOLV\" <noreply@rsolv.example>");
    EXPECT_EQ(lines[2], "Reply-To: support@rsolv.example");
    EXPECT_EQ(lines[3].rfind("To: ", 0), 0u);
    EXPECT_EQ(lines[4].rfind("Subject: ", 0), 0u);
    EXPECT_EQ(lines[5], "Message-ID: <welcome.c42@rsolv.example>");
    EXPECT_EQ(lines[6], "MIME-Version: 1.0");
    EXPECT_EQ(lines[7],
              "List-Unsubscribe: <https://rsolv.example/unsubscribe?t=abc>, <mailto:unsubscribe@rsolv.example>");
    EXPECT_EQ(lines[8], "List-Unsubscribe-Post: List-Unsubscribe=One-Click");
    EXPECT_EQ(lines[9].rfind("Content-Type: multipart/alternative; boundary=\"", 0), 0u);
    EXPECT_EQ(headerValues(raw, "Message-ID").size(), 1u);
}

TEST(MailRender, NoReplyToWhenNotSet) {
    MailSettings s = settings();
    s.reply_to.clear();
    const std::string raw = renderMessage(s, welcome(), kDate);
    EXPECT_EQ(header(raw, "Reply-To"), "<absent>");
}

TEST(MailRender, Utf8SubjectAndNamesAreEncodedWords) {
    const std::string raw = renderMessage(settings(), welcome(), kDate);
    const std::string subject = header(raw, "Subject");
    EXPECT_EQ(subject.rfind("=?UTF-8?B?", 0), 0u) << subject;
    EXPECT_EQ(decodeWords(subject), "Willkommen, Jürgen ✓");

    const std::string to = header(raw, "To");
    EXPECT_EQ(to.rfind("=?UTF-8?B?", 0), 0u) << to;
    EXPECT_NE(to.find(" <juergen@example.com>"), std::string::npos) << to;
    EXPECT_EQ(decodeWords(to), "Jürgen Müller <juergen@example.com>");
}

TEST(MailRender, PlainAsciiStaysReadable) {
    EmailMessage m = welcome();
    m.subject = "Your RSOLV API key";
    m.to_name = "Ada \"The Countess\" Lovelace";
    const std::string raw = renderMessage(settings(), m, kDate);
    EXPECT_EQ(header(raw, "Subject"), "Your RSOLV API key");
    EXPECT_EQ(header(raw, "To"), "\"Ada \\\"The Countess\\\" Lovelace\" <juergen@example.com>");
    m.to_name.clear();
    EXPECT_EQ(header(renderMessage(settings(), m, kDate), "To"), "juergen@example.com");
}

TEST(MailRender, LongSubjectIsFoldedWithoutSplittingCharacters) {
    EmailMessage m = welcome();
    std::string subject;
    for (int i = 0; i < 40; ++i) subject += "Grüße ✓ ";
    m.subject = subject;
    const std::string raw = renderMessage(settings(), m, kDate);
    expectWellFormed(raw);
    const std::size_t start = raw.find("\r\nSubject: ") + 2;
    std::size_t end = start;
    do {
        end = raw.find("\r\n", end) + 2;
    } while (raw[end] == ' ');
    std::istringstream lines(raw.substr(start, end - start));
    int count = 0;
    for (std::string line; std::getline(lines, line); ++count) EXPECT_LE(line.size(), 79u) << line;  // 78 + CR
    EXPECT_GT(count, 3);
    EXPECT_EQ(decodeWords(header(raw, "Subject")), subject);
}

TEST(MailRender, MultipartAlternativeWithTextThenHtmlBothDecodable) {
    EmailMessage m = welcome();
    m.text_body += std::string(200, 'x') + "\n.leading dot\ntrailing space \nTab\there\n";
    const std::string raw = renderMessage(settings(), m, kDate);
    expectWellFormed(raw);

    std::istringstream in(raw);
    Poco::Net::MailMessage parsed;
    CollectParts handler;
    parsed.read(in, handler);
    EXPECT_TRUE(parsed.isMultipart());
    ASSERT_EQ(handler.parts.size(), 2u);
    EXPECT_EQ(handler.parts[0].content_type, "text/plain; charset=UTF-8");
    EXPECT_EQ(handler.parts[1].content_type, "text/html; charset=UTF-8");
    EXPECT_EQ(handler.parts[0].body, crlf(m.text_body));
    EXPECT_EQ(handler.parts[1].body, crlf(m.html_body));

    // Quoted-printable keeps lines short and never starts a line with '.'.
    const std::string body = raw.substr(raw.find("\r\n\r\n") + 4);
    std::istringstream body_lines(body);
    for (std::string line; std::getline(body_lines, line);) {
        EXPECT_LE(line.size(), 77u) << line;  // 76 + the CR
        EXPECT_NE(line.rfind(".", 0), 0u) << line;
    }
}

TEST(MailRender, TextOnlyMessageIsASinglePart) {
    EmailMessage m = welcome();
    m.html_body.clear();
    const std::string raw = renderMessage(settings(), m, kDate);
    expectWellFormed(raw);
    EXPECT_EQ(header(raw, "Content-Type"), "text/plain; charset=UTF-8");
    EXPECT_EQ(header(raw, "Content-Transfer-Encoding"), "quoted-printable");
    std::istringstream in(raw.substr(raw.find("\r\n\r\n") + 4));
    Poco::Net::QuotedPrintableDecoder decoder(in);
    std::string body;
    Poco::StreamCopier::copyToString(decoder, body);
    EXPECT_EQ(body, crlf(m.text_body) + "\r\n");
}

TEST(MailRender, SameInputSameBytes) {
    EXPECT_EQ(renderMessage(settings(), welcome(), kDate), renderMessage(settings(), welcome(), kDate));
}

TEST(MailRender, LineBreaksInNameOrSubjectCannotAddHeaders) {
    EmailMessage m = welcome();
    m.to_name = "Eve\r\nBcc: victim@example.com";
    m.subject = "Hello\r\nBcc: victim@example.com\nX-Evil: 1";
    for (const std::string& name : {std::string("Eve\r\nBcc: victim@example.com"), std::string("Ève\nBcc: v@example.com")}) {
        m.to_name = name;
        const std::string raw = renderMessage(settings(), m, kDate);
        expectWellFormed(raw);
        EXPECT_TRUE(headerValues(raw, "Bcc").empty()) << raw;
        EXPECT_TRUE(headerValues(raw, "X-Evil").empty()) << raw;
        EXPECT_EQ(raw.find("\r\nBcc:"), std::string::npos);
        EXPECT_EQ(headerValues(raw, "To").size(), 1u);
        EXPECT_EQ(headerValues(raw, "Subject").size(), 1u);
    }
    const std::string raw = renderMessage(settings(), m, kDate);
    EXPECT_EQ(decodeWords(header(raw, "Subject")), "Hello  Bcc: victim@example.com X-Evil: 1");

    // A parser sees exactly one recipient header and no Bcc.
    std::istringstream in(raw);
    Poco::Net::MailMessage parsed;
    CollectParts handler;
    parsed.read(in, handler);
    EXPECT_FALSE(parsed.has("Bcc"));
}

TEST(MailRender, UnsafeAddressesAndIdsAreRejected) {
    for (const std::string& to : {std::string("a@example.com\r\nBcc: v@example.com"), std::string("a@b@example.com"),
                                  std::string("no-at.example.com"), std::string("a@example.com\n"),
                                  std::string("a\0@example.com", 15), std::string("a b@example.com"),
                                  std::string("<a@example.com>"), std::string("a@example.com, v@example.com"),
                                  std::string("jürgen@example.com"), std::string("")}) {
        EmailMessage m = welcome();
        m.to_address = to;
        EXPECT_THROW(renderMessage(settings(), m, kDate), std::invalid_argument) << to;
    }
    for (const std::string& id : {std::string("<a@b>\r\nBcc: v@example.com"), std::string("no-brackets@x"),
                                  std::string("<no-at>"), std::string("<a b@c>"), std::string("<a@b@c>")}) {
        EmailMessage m = welcome();
        m.message_id = id;
        EXPECT_THROW(renderMessage(settings(), m, kDate), std::invalid_argument) << id;
    }
    MailSettings s = settings();
    s.from_address = "noreply@rsolv.example\r\nBcc: v@example.com";
    EXPECT_THROW(renderMessage(s, welcome(), kDate), std::invalid_argument);
}

TEST(MailRender, UnsafeExtraHeadersAreRejected) {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"List-Unsubscribe", "<https://x>\r\nBcc: v@example.com"},
        {"List-Unsubscribe", "<https://x>\nBcc: v@example.com"},
        {"List-Unsubscribe", "<https://x>\rBcc: v@example.com"},
        {"X-Note", "ümlaut"},
        {"X-Note", std::string("nul\0here", 8)},
        {"Bcc", "v@example.com"},
        {"bcc", "v@example.com"},
        {"Message-ID", "<other@x>"},
        {"X Note", "space in name"},
        {"X-Note:", "colon in name"},
        {"", "empty name"},
        {"X-Long", std::string(1000, 'a')},
    };
    for (const auto& h : bad) {
        EmailMessage m = welcome();
        m.headers.push_back(h);
        EXPECT_THROW(renderMessage(settings(), m, kDate), std::invalid_argument) << h.first << ": " << h.second;
    }
}

TEST(MailRender, QuotedPrintableRoundTrips) {
    const std::string text = "a=b\r\nline with trailing space \nünïcödé ✓\n" + std::string(300, 'y') + " z\t\n.\n";
    const std::string encoded = encodeQuotedPrintable(text);
    std::istringstream in(encoded);
    Poco::Net::QuotedPrintableDecoder decoder(in);
    std::string decoded;
    Poco::StreamCopier::copyToString(decoder, decoded);
    EXPECT_EQ(decoded, crlf(text));
}

}  // namespace
}  // namespace rsolv::mail
