#include "mail/mail_settings.h"

#include <charconv>
#include <optional>

#include "mail/file_mailer.h"
#include "mail/smtp_mailer.h"

namespace rsolv::mail {
namespace {

constexpr const char* kShape =
    " must be file:DIR, smtp://[user:pass@]host[:port], smtp+starttls://[user:pass@]host[:port] "
    "or smtps://[user:pass@]host[:port]";



std::optional<std::string> percentDecode(std::string_view text) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size() || hex(text[i + 1]) < 0 || hex(text[i + 2]) < 0) return std::nullopt;
        out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
        i += 2;
    }
    return out;
}

bool hasControl(std::string_view text) {
    for (char c : text)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
    return false;
}

bool isHostName(std::string_view host) {
    if (host.empty() || host.size() > 253 || host.front() == '-' || host.front() == '.') return false;
    for (char c : host) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
        if (!ok) return false;
    }
    return true;
}

bool isIpv6Literal(std::string_view host) {
    if (host.empty()) return false;
    for (char c : host) {
        const bool ok = (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9') || c == ':' || c == '.';
        if (!ok) return false;
    }
    return host.find(':') != std::string_view::npos;
}

}  // namespace

bool isLoopbackHost(std::string_view host) {
    if (host == "localhost" || host == "::1" || host == "[::1]") return true;
    if (host.substr(0, 4) != "127.") return false;
    int dots = 0;
    for (char c : host) {
        if (c == '.') ++dots;
        else if (c < '0' || c > '9') return false;
    }
    return dots == 3;
}

Result<MailSettings> parseMailUrl(std::string_view url, std::string_view field) {
    // Messages name the problem but never repeat the URL: it may hold a password.
    const auto urlError = [&](const std::string& problem) {
        return Error{"invalid", std::string(field), std::string(field) + kShape + ": " + problem};
    };
    MailSettings settings;
    if (url.empty()) return urlError("it is empty");
    if (hasControl(url)) return urlError("it contains a control character");

    if (url.substr(0, 5) == "file:") {
        std::string_view dir = url.substr(5);
        if (dir.substr(0, 2) == "//") {  // file:///var/mail is file:/var/mail
            dir.remove_prefix(2);
            if (dir.empty() || dir.front() != '/') return urlError("file:// must be followed by an absolute path");
        }
        if (dir.empty()) return urlError("file: needs a directory");
        settings.transport = MailSettings::Transport::File;
        settings.directory = std::string(dir);
        return settings;
    }

    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return urlError("no scheme");
    const std::string_view scheme = url.substr(0, scheme_end);
    if (scheme == "smtp") {
        settings.transport = MailSettings::Transport::Smtp;
        settings.port = 25;
    } else if (scheme == "smtp+starttls") {
        settings.transport = MailSettings::Transport::SmtpStartTls;
        settings.port = 587;
    } else if (scheme == "smtps") {
        settings.transport = MailSettings::Transport::Smtps;
        settings.port = 465;
    } else {
        return urlError("unknown scheme \"" + std::string(scheme.substr(0, 20)) + "\"");
    }

    std::string_view authority = url.substr(scheme_end + 3);
    if (!authority.empty() && authority.back() == '/') authority.remove_suffix(1);
    if (authority.find_first_of("/?#") != std::string_view::npos) return urlError("a path, query or fragment is not allowed");

    // user:pass@ (the last '@' ends it, so an unencoded '@' in the password still works)
    const auto at = authority.rfind('@');
    if (at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        authority.remove_prefix(at + 1);
        const auto colon = userinfo.find(':');
        if (colon == std::string_view::npos) return urlError("a user name needs a password (user:pass@host)");
        const auto user = percentDecode(userinfo.substr(0, colon));
        const auto pass = percentDecode(userinfo.substr(colon + 1));
        if (!user || !pass) return urlError("bad percent-encoding in the user name or password");
        if (user->empty()) return urlError("the user name is empty");
        if (pass->empty()) return urlError("the password is empty");
        if (hasControl(*user) || hasControl(*pass)) return urlError("the user name or password contains a control character");
        settings.username = *user;
        settings.password = *pass;
    }

    // host, [v6], host:port, [v6]:port
    std::string_view host;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return urlError("unclosed [ in the host");
        host = authority.substr(1, close - 1);
        const std::string_view rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return urlError("unexpected text after the host");
            port = rest.substr(1);
            if (port.empty()) return urlError("the port is empty");
        }
        if (!isIpv6Literal(host)) return urlError("bad IPv6 address");
    } else {
        const auto colon = authority.find(':');
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
            if (port.empty()) return urlError("the port is empty");
        }
        if (host.empty()) return urlError("the host is missing");
        if (!isHostName(host)) return urlError("bad host name");
    }
    if (!port.empty()) {
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
            return urlError("the port must be a number from 1 to 65535");
        settings.port = static_cast<unsigned short>(value);
    }
    settings.host = std::string(host);

    if (settings.transport == MailSettings::Transport::Smtp && !settings.username.empty() &&
        !isLoopbackHost(settings.host))
        return urlError("a password may only go over plain smtp:// to a loopback host; use smtp+starttls:// or smtps://");
    return settings;
}

std::unique_ptr<Mailer> makeMailer(const MailSettings& settings) {
    if (settings.transport == MailSettings::Transport::File) return std::make_unique<FileMailer>(settings);
    return std::make_unique<SmtpMailer>(settings);
}

}  // namespace rsolv::mail
