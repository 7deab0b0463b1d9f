#include "mail/message.h"

#include <array>
#include <cstdint>
#include <ctime>
#include <stdexcept>

namespace rsolv::mail {
namespace {

/// Header names a caller may not add: the renderer owns them, and a second From or a Bcc must never slip in.
constexpr std::array<std::string_view, 14> kReservedHeaders = {
    "Date", "From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Subject", "Message-ID", "MIME-Version",
    "Content-Type", "Content-Transfer-Encoding", "Return-Path", "Received"};

constexpr std::size_t kMaxLine = 998;                 // RFC 5322 2.1.1, without CRLF
constexpr std::size_t kEncodedWordBytes = 36;         // 48 base64 chars: "=?UTF-8?B?...?=" is 60 wide
constexpr std::size_t kQuotedPrintableLine = 76;      // RFC 2045 6.7

bool isAtext(unsigned char c) {
    if (c >= 'a' && c <= 'z') return true;
    if (c >= 'A' && c <= 'Z') return true;
    if (c >= '0' && c <= '9') return true;
    return std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool isDotAtomText(std::string_view s) {
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '.') {
            if (s[i + 1] == '.') return false;  // safe: the last char is not '.'
        } else if (!isAtext(c)) {
            return false;
        }
    }
    return true;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

bool isPrintableAscii(std::string_view s) {
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c > 0x7e) return false;
    }
    return true;
}

/// Control characters (C0 and DEL: CR, LF, TAB, NUL...) become spaces: a name or subject never ends a header line.
std::string withoutControls(std::string_view text) {
    std::string out(text);
    for (char& ch : out) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f) ch = ' ';
    }
    return out;
}

std::string base64(std::string_view bytes) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const std::uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) |
                                (static_cast<unsigned char>(bytes[i + 1]) << 8) | static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += kAlphabet[n & 63];
    }
    if (i + 1 == bytes.size()) {
        const std::uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += "==";
    } else if (i + 2 == bytes.size()) {
        const std::uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += '=';
    }
    return out;
}

/// Encoded-words of at most kEncodedWordBytes each, never splitting a UTF-8 sequence, folded with CRLF SP.
std::string encodedWords(std::string_view text) {
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = std::min(text.size(), start + kEncodedWordBytes);
        // Back off from a continuation byte (10xxxxxx) so each word decodes on its own.
        while (end < text.size() && end > start + 1 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?";
        out += base64(text.substr(start, end - start));
        out += "?=";
        start = end;
    }
    return out;
}

/// A display name as an RFC 5322 phrase: a quoted string when plain ASCII, encoded-words otherwise.
std::string encodeDisplayName(std::string_view name) {
    const std::string clean = withoutControls(name);
    if (isPrintableAscii(clean) && clean.find("=?") == std::string::npos && clean.size() <= 64) {
        std::string out = "\"";
        for (char c : clean) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
        return out;
    }
    return encodedWords(clean);
}

std::string mailbox(std::string_view name, const std::string& address) {
    if (name.empty()) return address;
    return encodeDisplayName(name) + " <" + address + ">";
}

bool isSafeMessageId(std::string_view id) {
    if (id.size() < 5 || id.size() > 250 || id.front() != '<' || id.back() != '>') return false;
    const std::string_view inner = id.substr(1, id.size() - 2);
    const auto at = inner.find('@');
    if (at == std::string_view::npos || inner.find('@', at + 1) != std::string_view::npos) return false;
    return isDotAtomText(inner.substr(0, at)) && isDotAtomText(inner.substr(at + 1));
}

void checkHeader(const std::string& name, const std::string& value) {
    if (name.empty() || name.size() > 76) throw std::invalid_argument("mail header name must be 1 to 76 characters");
    for (char c : name) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok) throw std::invalid_argument("mail header name must match [A-Za-z0-9-]+: " + name);
    }
    for (std::string_view reserved : kReservedHeaders)
        if (iequals(name, reserved)) throw std::invalid_argument("mail header is set by the renderer: " + name);
    for (char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\r' || c == '\n') throw std::invalid_argument("mail header value contains CR or LF: " + name);
        if ((c < 0x20 && c != '\t') || c > 0x7e)
            throw std::invalid_argument("mail header value must be printable ASCII: " + name);
    }
    if (name.size() + 2 + value.size() > kMaxLine) throw std::invalid_argument("mail header too long: " + name);
}

std::string rfc5322Date(std::chrono::system_clock::time_point date) {
    const std::time_t t = std::chrono::system_clock::to_time_t(date);
    std::tm tm{};
    gmtime_r(&t, &tm);
    static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday,
                  kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

/// Derived from the Message-ID so the same message renders the same way. Quoted-printable output never contains
/// "=_", so a boundary starting with it cannot occur inside a part.
std::string boundaryFor(std::string_view message_id) {
    std::uint64_t h = 14695981039346656037ull;  // FNV-1a
    for (char c : message_id) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "=_rsolv_%016llx", static_cast<unsigned long long>(h));
    return buf;
}

void appendPart(std::string& out, std::string_view media_type, std::string_view body) {
    out += "Content-Type: ";
    out += media_type;
    out += "; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
    out += encodeQuotedPrintable(body);
}

}  // namespace

bool isSafeAddress(std::string_view address) {
    if (address.empty() || address.size() > 254) return false;
    const auto at = address.find('@');
    if (at == std::string_view::npos || address.find('@', at + 1) != std::string_view::npos) return false;
    const std::string_view local = address.substr(0, at);
    const std::string_view domain = address.substr(at + 1);
    if (local.size() > 64 || !isDotAtomText(local)) return false;
    if (domain.empty() || domain.front() == '.' || domain.back() == '.' || domain.front() == '-') return false;
    for (char c : domain) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
        if (!ok) return false;
    }
    return true;
}

std::string encodeHeaderText(std::string_view text) {
    const std::string clean = withoutControls(text);
    if (isPrintableAscii(clean) && clean.find("=?") == std::string::npos && clean.size() <= 66) return clean;
    return encodedWords(clean);
}

std::string encodeQuotedPrintable(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    std::size_t line_length = 0;
    auto emit = [&](std::string_view token) {
        if (line_length + token.size() > kQuotedPrintableLine - 1) {  // leave room for the soft break '='
            out += "=\r\n";
            line_length = 0;
        }
        out += token;
        line_length += token.size();
    };
    auto escaped = [&](unsigned char c) {
        const char buf[3] = {'=', kHex[c >> 4], kHex[c & 15]};
        emit(std::string_view(buf, 3));
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\r' || c == '\n') {  // CRLF, lone CR and lone LF all become one hard line break
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            out += "\r\n";
            line_length = 0;
            continue;
        }
        const bool at_line_end = i + 1 == text.size() || text[i + 1] == '\r' || text[i + 1] == '\n';
        if (c == ' ' || c == '\t') {
            if (at_line_end) escaped(c);  // trailing white space is stripped in transit
            else emit(std::string_view(reinterpret_cast<const char*>(&text[i]), 1));
        } else if (c == '.' && (line_length == 0 || line_length + 1 > kQuotedPrintableLine - 1)) {
            escaped(c);  // a leading dot means something to SMTP; keep the encoded text free of it
        } else if (c >= 33 && c <= 126 && c != '=') {
            emit(std::string_view(&text[i], 1));
        } else {
            escaped(c);
        }
    }
    return out;
}

std::string renderMessage(const MailSettings& settings, const EmailMessage& message,
                          std::chrono::system_clock::time_point date) {
    if (!isSafeAddress(settings.from_address)) throw std::invalid_argument("invalid from address");
    if (!settings.reply_to.empty() && !isSafeAddress(settings.reply_to))
        throw std::invalid_argument("invalid reply-to address");
    if (!isSafeAddress(message.to_address)) throw std::invalid_argument("invalid recipient address");
    if (!isSafeMessageId(message.message_id)) throw std::invalid_argument("invalid Message-ID");
    for (const auto& [name, value] : message.headers) checkHeader(name, value);

    std::string out;
    out.reserve(1024 + message.text_body.size() * 2 + message.html_body.size() * 2);
    out += "Date: " + rfc5322Date(date) + "\r\n";
    out += "From: " + mailbox(settings.from_name, settings.from_address) + "\r\n";
    if (!settings.reply_to.empty()) out += "Reply-To: " + settings.reply_to + "\r\n";
    out += "To: " + mailbox(message.to_name, message.to_address) + "\r\n";
    out += "Subject: " + encodeHeaderText(message.subject) + "\r\n";
    out += "Message-ID: " + message.message_id + "\r\n";
    out += "MIME-Version: 1.0\r\n";
    for (const auto& [name, value] : message.headers) out += name + ": " + value + "\r\n";

    if (message.html_body.empty()) {
        appendPart(out, "text/plain", message.text_body);
        out += "\r\n";
        return out;
    }
    const std::string boundary = boundaryFor(message.message_id);
    out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
    out += "This is a multi-part message in MIME format.\r\n";
    out += "\r\n--" + boundary + "\r\n";
    appendPart(out, "text/plain", message.text_body);
    out += "\r\n--" + boundary + "\r\n";
    appendPart(out, "text/html", message.html_body);
    out += "\r\n--" + boundary + "--\r\n";
    return out;
}

}  // namespace rsolv::mail
