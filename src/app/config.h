#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace rsolv::app {

/// A configuration value that cannot be used; the message names the variable.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Everything the service reads from its environment (README "Configuration" lists each with its default).
struct Config {
    std::string database_url = "sqlite:var/rsolv.db";
    int db_pool_size = 16;
    std::string listen_host = "127.0.0.1";
    unsigned short listen_port = 4000;
    std::string public_url;  ///< default: http://localhost:<port>
    std::vector<std::string> trusted_proxies;
    int http_threads = 64;
    int http_queue = 1024;
    size_t max_body_bytes = 64 * 1024;
    int trial_fixes = 10;
    int signups_per_email_per_day = 3;
    int signups_per_ip_per_hour = 10;
    std::string secret_key;  ///< empty: read or generate var/secret_key (development only)
    std::string mail_url = "file:var/mail";
    std::string mail_from;       ///< default: "RSOLV <no-reply@<public host>>"
    std::string mail_reply_to;   ///< default: the support address
    std::string support_email;   ///< default: support@<public host>
    std::string smtp_username;   ///< alternative to credentials in RSOLV_MAIL_URL
    std::string smtp_password;
    int smtp_timeout_seconds = 10;
    bool welcome_email_includes_key = false;
    int workers = 2;             ///< job worker threads in `serve` (0: none, run `rsolv worker` instead)
    int job_lease_seconds = 60;
    int jobs_keep_days = 7;
    std::string var_dir = "var";
    std::string email_allowlist_file;
    std::string email_blocklist_file;
    int api_requests_per_minute = 60;  ///< per API key
    int session_idle_minutes = 30;
    int session_absolute_hours = 12;
    int sign_in_link_minutes = 15;            ///< how long a link from /login works
    int sign_in_links_per_email_per_hour = 5;
    int sign_in_links_per_ip_per_hour = 20;
    int max_active_keys = 5;                  ///< per customer
    std::string github_action = "RSOLV-dev/rsolv-action@v3";  ///< what the downloadable workflow `uses:`
    std::string log_format = "text";
    std::string log_level = "info";
    /// The operator console (issue 12): CIDRs /admin answers from (empty: anywhere; elsewhere it is a 404).
    std::vector<std::string> admin_allowed_cidrs;

    bool https() const { return public_url.rfind("https://", 0) == 0; }
    /// The host of the public URL, for Message-IDs and default addresses.
    std::string publicHost() const;
};

using Environment = std::function<std::optional<std::string>(const char* name)>;

/// The process environment.
Environment processEnvironment();

/// Reads and checks every variable; throws ConfigError naming the first bad one.
Config loadConfig(const Environment& env);

}  // namespace rsolv::app
