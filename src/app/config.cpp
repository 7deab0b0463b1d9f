#include "app/config.h"

#include <algorithm>
#include <charconv>
#include <sstream>
#include <cstdlib>
#include <sstream>

#include "common/webhook_signature.h"
#include "http/client_ip.h"
#include "metrics/metrics_server.h"

namespace rsolv::app {
namespace {

std::string trim(std::string s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    const auto e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

long integer(const char* name, const std::string& text, long min, long max) {
    long v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || v < min || v > max)
        throw ConfigError(std::string(name) + " must be a whole number from " + std::to_string(min) + " to " +
                          std::to_string(max) + ", not \"" + text + "\"");
    return v;
}

void readInt(const Environment& env, const char* name, int& out, long min, long max) {
    if (auto v = env(name)) out = int(integer(name, trim(*v), min, max));
}

void readString(const Environment& env, const char* name, std::string& out) {
    if (auto v = env(name); v && !trim(*v).empty()) out = trim(*v);
}

/// The domain of the mail sender's address ("RSOLV <no-reply@rsolv.dev>" -> "rsolv.dev") when RSOLV_MAIL_FROM is
/// set, else the public URL's host: where the default support address lives.
std::string supportDomain(const Config& c) {
    std::string from = c.mail_from;
    if (const auto lt = from.find('<'); lt != std::string::npos) from = from.substr(lt + 1, from.find('>', lt) - lt - 1);
    const auto at = from.rfind('@');
    const std::string domain = at == std::string::npos ? std::string() : trim(from.substr(at + 1));
    return domain.empty() ? c.publicHost() : domain;
}

}  // namespace

Environment processEnvironment() {
    return [](const char* name) -> std::optional<std::string> {
        const char* v = std::getenv(name);
        if (!v) return std::nullopt;
        return std::string(v);
    };
}

std::string Config::publicHost() const {
    const auto start = public_url.find("://");
    std::string host = public_url.substr(start == std::string::npos ? 0 : start + 3);
    host = host.substr(0, host.find('/'));
    if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);
    return host.substr(0, host.find(':'));
}

/// RSOLV_ALERT_*: the built-in alerting's recipients.
static void readAlerting(const Environment& env, Config& c) {
    if (auto v = env("RSOLV_ALERT_EMAILS")) {
        std::string list = *v;
        std::replace(list.begin(), list.end(), ',', ' ');
        std::istringstream words(list);
        for (std::string address; words >> address;) {
            const auto at = address.find('@');
            if (at == std::string::npos || at == 0 || at + 1 == address.size() ||
                address.find('@', at + 1) != std::string::npos ||
                address.find_first_of("<>\"();:\\") != std::string::npos)
                throw ConfigError("RSOLV_ALERT_EMAILS must be email addresses separated by commas or spaces, not \"" +
                                  address + "\"");
            c.alert_emails.push_back(address);
        }
    }
    readString(env, "RSOLV_ALERT_WEBHOOK_URL", c.alert_webhook_url);
    if (!c.alert_webhook_url.empty() && c.alert_webhook_url.rfind("http://", 0) != 0 &&
        c.alert_webhook_url.rfind("https://", 0) != 0)
        throw ConfigError("RSOLV_ALERT_WEBHOOK_URL must be an http:// or https:// URL");
    if (auto v = env("RSOLV_ALERT_WEBHOOK_SECRET")) c.alert_webhook_secret = trim(*v);
    if (!c.alert_webhook_url.empty() && !decodeWebhookSecret(c.alert_webhook_secret))
        throw ConfigError("RSOLV_ALERT_WEBHOOK_SECRET must be set with RSOLV_ALERT_WEBHOOK_URL, as whsec_ followed by "
                          "base64 of at least 16 random bytes (for example: echo whsec_$(openssl rand -base64 32))");
    readInt(env, "RSOLV_ALERT_COOLDOWN_MINUTES", c.alert_cooldown_minutes, 1, 24 * 60);
}

Config loadConfig(const Environment& env) {
    Config c;
    readString(env, "RSOLV_DATABASE_URL", c.database_url);
    if (c.database_url.rfind("sqlite:", 0) != 0 && c.database_url.rfind("postgresql://", 0) != 0 &&
        c.database_url.rfind("postgres://", 0) != 0)
        throw ConfigError("RSOLV_DATABASE_URL must be sqlite:PATH or a postgresql:// URL");
    if (c.database_url == "sqlite:") throw ConfigError("RSOLV_DATABASE_URL sqlite: needs a file path");
    readInt(env, "RSOLV_DB_POOL_SIZE", c.db_pool_size, 1, 500);

    if (auto v = env("RSOLV_LISTEN"); v && !trim(*v).empty()) {
        const std::string s = trim(*v);
        const auto colon = s.rfind(':');
        if (colon == std::string::npos || colon == 0)
            throw ConfigError("RSOLV_LISTEN must be host:port, for example 127.0.0.1:4000, not \"" + s + "\"");
        c.listen_host = s.substr(0, colon);
        if (c.listen_host.size() > 2 && c.listen_host.front() == '[' && c.listen_host.back() == ']')
            c.listen_host = c.listen_host.substr(1, c.listen_host.size() - 2);
        c.listen_port = static_cast<unsigned short>(integer("RSOLV_LISTEN", s.substr(colon + 1), 0, 65535));
    }

    readString(env, "RSOLV_PUBLIC_URL", c.public_url);
    if (c.public_url.empty()) c.public_url = "http://localhost:" + std::to_string(c.listen_port);
    while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
    {
        const auto scheme_end = c.public_url.find("://");
        const bool scheme_ok = c.public_url.rfind("http://", 0) == 0 || c.public_url.rfind("https://", 0) == 0;
        if (!scheme_ok || scheme_end + 3 >= c.public_url.size() ||
            c.public_url.find_first_of(" \t\"'<>?#", 0) != std::string::npos)
            throw ConfigError("RSOLV_PUBLIC_URL must be an http:// or https:// URL such as https://rsolv.example.com");
    }

    if (auto v = env("RSOLV_TRUSTED_PROXIES")) {
        std::string list = *v;
        for (char& ch : list)
            if (ch == ',') ch = ' ';
        size_t pos = 0;
        while (pos < list.size()) {
            const auto start = list.find_first_not_of(' ', pos);
            if (start == std::string::npos) break;
            auto end = list.find(' ', start);
            if (end == std::string::npos) end = list.size();
            const std::string cidr = list.substr(start, end - start);
            if (!http::Cidr::parse(cidr).ok())
                throw ConfigError("RSOLV_TRUSTED_PROXIES has an entry that is not a CIDR: \"" + cidr + "\"");
            c.trusted_proxies.push_back(cidr);
            pos = end;
        }
    }

    readInt(env, "RSOLV_HTTP_THREADS", c.http_threads, 1, 4096);
    readInt(env, "RSOLV_HTTP_QUEUE", c.http_queue, 1, 65536);
    if (auto v = env("RSOLV_MAX_BODY_BYTES"))
        c.max_body_bytes = size_t(integer("RSOLV_MAX_BODY_BYTES", trim(*v), 1024, 16 * 1024 * 1024));
    readInt(env, "RSOLV_TRIAL_FIXES", c.trial_fixes, 0, 1000000);
    readInt(env, "RSOLV_SIGNUPS_PER_EMAIL_PER_DAY", c.signups_per_email_per_day, 1, 1000000);
    readInt(env, "RSOLV_SIGNUPS_PER_IP_PER_HOUR", c.signups_per_ip_per_hour, 1, 1000000);
    readInt(env, "RSOLV_API_REQUESTS_PER_MINUTE", c.api_requests_per_minute, 1, 1000000);
    readInt(env, "RSOLV_SESSION_IDLE_MINUTES", c.session_idle_minutes, 1, 60 * 24 * 30);
    readInt(env, "RSOLV_SESSION_ABSOLUTE_HOURS", c.session_absolute_hours, 1, 24 * 90);
    readInt(env, "RSOLV_SIGN_IN_LINK_MINUTES", c.sign_in_link_minutes, 1, 24 * 60);
    readInt(env, "RSOLV_SIGN_IN_LINKS_PER_EMAIL_PER_HOUR", c.sign_in_links_per_email_per_hour, 1, 1000000);
    readInt(env, "RSOLV_SIGN_IN_LINKS_PER_IP_PER_HOUR", c.sign_in_links_per_ip_per_hour, 1, 1000000);
    readInt(env, "RSOLV_MAX_ACTIVE_KEYS", c.max_active_keys, 1, 1000);
    readString(env, "RSOLV_GITHUB_ACTION", c.github_action);
    {
        // owner/repo[/path]@ref, as GitHub's `uses:` takes it: it is written into YAML, so nothing else gets in.
        const auto at = c.github_action.find('@');
        const bool ok = at != std::string::npos && at > 2 && at + 1 < c.github_action.size() &&
                        c.github_action.find('/') < at &&
                        c.github_action.find_first_not_of(
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./@") == std::string::npos;
        if (!ok) throw ConfigError("RSOLV_GITHUB_ACTION must be owner/repo@ref, for example RSOLV-dev/rsolv-action@v3");
    }

    readString(env, "RSOLV_SECRET_KEY", c.secret_key);
    if (!c.secret_key.empty() && c.secret_key.size() < 32)
        throw ConfigError("RSOLV_SECRET_KEY must be at least 32 characters (for example: openssl rand -hex 32)");
    if (c.secret_key.empty() && c.https())
        throw ConfigError("RSOLV_SECRET_KEY is required when RSOLV_PUBLIC_URL is https (for example: openssl rand -hex 32)");

    readString(env, "RSOLV_MAIL_URL", c.mail_url);
    if (c.mail_url.rfind("file:", 0) != 0 && c.mail_url.rfind("smtp://", 0) != 0 &&
        c.mail_url.rfind("smtp+starttls://", 0) != 0 && c.mail_url.rfind("smtps://", 0) != 0)
        throw ConfigError("RSOLV_MAIL_URL must be file:DIR, smtp://, smtp+starttls:// or smtps://");

    readString(env, "RSOLV_MAIL_FROM", c.mail_from);
    readString(env, "RSOLV_MAIL_REPLY_TO", c.mail_reply_to);
    readString(env, "RSOLV_SUPPORT_EMAIL", c.support_email);
    for (auto [name, value] : {std::pair{"RSOLV_MAIL_FROM", &c.mail_from}, std::pair{"RSOLV_MAIL_REPLY_TO", &c.mail_reply_to},
                               std::pair{"RSOLV_SUPPORT_EMAIL", &c.support_email}})
        if (value->find_first_of("\r\n") != std::string::npos || (!value->empty() && value->find('@') == std::string::npos))
            throw ConfigError(std::string(name) + " must be an email address (optionally \"Name <address>\")");
    if (c.support_email.empty()) c.support_email = "support@" + supportDomain(c);
    if (c.mail_reply_to.empty()) c.mail_reply_to = c.support_email;
    if (c.mail_from.empty()) c.mail_from = "RSOLV <no-reply@" + c.publicHost() + ">";
    readString(env, "RSOLV_SMTP_USERNAME", c.smtp_username);
    if (auto v = env("RSOLV_SMTP_PASSWORD")) c.smtp_password = *v;
    readInt(env, "RSOLV_SMTP_TIMEOUT_SECONDS", c.smtp_timeout_seconds, 1, 600);
    if (auto v = env("RSOLV_WELCOME_EMAIL_INCLUDES_KEY")) {
        const std::string b = trim(*v);
        if (b == "true" || b == "1" || b == "yes")
            c.welcome_email_includes_key = true;
        else if (b == "false" || b == "0" || b == "no" || b.empty())
            c.welcome_email_includes_key = false;
        else
            throw ConfigError("RSOLV_WELCOME_EMAIL_INCLUDES_KEY must be true or false");
    }
    readInt(env, "RSOLV_WORKERS", c.workers, 0, 256);
    readInt(env, "RSOLV_JOB_LEASE_SECONDS", c.job_lease_seconds, 5, 3600);
    readInt(env, "RSOLV_JOBS_KEEP_DAYS", c.jobs_keep_days, 1, 3650);

    readString(env, "RSOLV_VAR_DIR", c.var_dir);
    readString(env, "RSOLV_EMAIL_ALLOWLIST_FILE", c.email_allowlist_file);
    readString(env, "RSOLV_EMAIL_BLOCKLIST_FILE", c.email_blocklist_file);

    readString(env, "RSOLV_LOG_FORMAT", c.log_format);
    if (c.log_format != "text" && c.log_format != "json") throw ConfigError("RSOLV_LOG_FORMAT must be text or json");
    readString(env, "RSOLV_LOG_LEVEL", c.log_level);
    if (c.log_level != "trace" && c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" &&
        c.log_level != "error" && c.log_level != "off")
        throw ConfigError("RSOLV_LOG_LEVEL must be one of trace, debug, info, warn, error, off");

    readString(env, "RSOLV_MAIL_FALLBACK_URL", c.mail_fallback_url);
    if (!c.mail_fallback_url.empty() && c.mail_fallback_url.rfind("file:", 0) != 0 &&
        c.mail_fallback_url.rfind("smtp://", 0) != 0 && c.mail_fallback_url.rfind("smtp+starttls://", 0) != 0 &&
        c.mail_fallback_url.rfind("smtps://", 0) != 0)
        throw ConfigError("RSOLV_MAIL_FALLBACK_URL must be file:DIR, smtp://, smtp+starttls:// or smtps://");
    readInt(env, "RSOLV_MAIL_BREAKER_THRESHOLD", c.mail_breaker_threshold, 1, 1000);
    readInt(env, "RSOLV_MAIL_PROBE_SECONDS", c.mail_probe_seconds, 1, 3600);
    readInt(env, "RSOLV_MAIL_SENDERS", c.mail_senders, 1, 64);
    if (auto v = env("RSOLV_METRICS_LISTEN")) {
        c.metrics_listen = trim(*v);
        std::string host;
        unsigned short port = 0;
        if (!c.metrics_listen.empty() && !metrics::parseListenAddress(c.metrics_listen, host, port))
            throw ConfigError("RSOLV_METRICS_LISTEN must be host:port (for example 127.0.0.1:9464), or empty to turn "
                              "the metrics listener off");
        if (!c.metrics_listen.empty() && port != 0 && port == c.listen_port)
            throw ConfigError("RSOLV_METRICS_LISTEN must not use the public port of RSOLV_LISTEN");
    }
    readAlerting(env, c);
    readInt(env, "RSOLV_TRIAL_REFUNDS", c.trial_refunds, 0, 1000000);
    readInt(env, "RSOLV_IPV6_LIMIT_PREFIX", c.ipv6_limit_prefix, 1, 128);
    readInt(env, "RSOLV_UNVERIFIED_FIX_LIMIT", c.unverified_fix_limit, 0, 1000000);
    readInt(env, "RSOLV_FORM_MIN_FILL_SECONDS", c.form_min_fill_seconds, 0, 600);
    readInt(env, "RSOLV_EMAIL_CHANGES_PER_ACCOUNT_PER_HOUR", c.email_changes_per_account_per_hour, 1, 1000000);
    readInt(env, "RSOLV_SUPPORT_TICKETS_PER_HOUR", c.support_tickets_per_hour, 1, 1000000);
    readInt(env, "RSOLV_EMAIL_CHANGES_PER_IP_PER_HOUR", c.email_changes_per_ip_per_hour, 1, 1000000);
    readString(env, "RSOLV_SIGNUP_CHALLENGE", c.signup_challenge);
    if (c.signup_challenge != "off" && c.signup_challenge != "auto" && c.signup_challenge != "always")
        throw ConfigError("RSOLV_SIGNUP_CHALLENGE must be off, auto or always");
    readInt(env, "RSOLV_SIGNUP_CHALLENGE_THRESHOLD", c.signup_challenge_threshold, 1, 1000000);
    readInt(env, "RSOLV_HTTP_IO_THREADS", c.http_io_threads, 1, 64);
    readInt(env, "RSOLV_HTTP_QUEUE_WAIT_MS", c.http_queue_wait_ms, 1, 600000);
    readInt(env, "RSOLV_MAX_CONNECTIONS_PER_IP", c.max_connections_per_ip, 0, 1000000);
    readInt(env, "RSOLV_HTTP_IDLE_SECONDS", c.http_idle_seconds, 1, 3600);
    readInt(env, "RSOLV_HTTP_HEAD_SECONDS", c.http_head_seconds, 1, 3600);
    readInt(env, "RSOLV_SHUTDOWN_SECONDS", c.shutdown_seconds, 0, 3600);
    if (auto v = env("RSOLV_ADMIN_ALLOWED_CIDRS")) {
        std::string list = *v;
        for (char& ch : list)
            if (ch == ',') ch = ' ';
        std::istringstream words(list);
        for (std::string cidr; words >> cidr;) {
            if (!http::Cidr::parse(cidr).ok())
                throw ConfigError("RSOLV_ADMIN_ALLOWED_CIDRS has an entry that is not a CIDR: \"" + cidr + "\"");
            c.admin_allowed_cidrs.push_back(cidr);
        }
    }
    return c;
}

}  // namespace rsolv::app
