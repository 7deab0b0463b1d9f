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
    int http_threads = 32;   ///< handler threads (they block on the database); connections cost no thread
    int http_queue = 1024;   ///< requests read and waiting for a handler thread; beyond it 503
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
    // Mail transport resilience (issue 10): a circuit breaker per transport, a fallback, parallel SMTP senders.
    std::string mail_fallback_url;   ///< RSOLV_MAIL_FALLBACK_URL; empty: no fallback
    int mail_breaker_threshold = 5;  ///< RSOLV_MAIL_BREAKER_THRESHOLD: transport failures in a row that open it
    int mail_probe_seconds = 5;      ///< RSOLV_MAIL_PROBE_SECONDS: how often an open breaker probes its server
    int mail_senders = 4;            ///< RSOLV_MAIL_SENDERS: SMTP connections at once, each reused across messages
    /// RSOLV_METRICS_LISTEN: host:port of the internal GET /metrics listener; empty turns it off.
    std::string metrics_listen = "127.0.0.1:9464";
    std::vector<std::string> alert_emails;  ///< RSOLV_ALERT_EMAILS: who built-in alerting emails
    std::string alert_webhook_url;          ///< RSOLV_ALERT_WEBHOOK_URL: where it POSTs signed notifications
    std::string alert_webhook_secret;       ///< RSOLV_ALERT_WEBHOOK_SECRET: whsec_<base64>
    int alert_cooldown_minutes = 30;        ///< RSOLV_ALERT_COOLDOWN_MINUTES
    // Issue 9 (security review).
    int trial_refunds = 3;      ///< failed fix attempts that give their credit back, per customer
    int ipv6_limit_prefix = 64; ///< per-IP limits count an IPv6 client by this many leading bits
    // Issue 9 (account security).
    int unverified_fix_limit = 3;                 ///< fix attempts before the address is proved
    int form_min_fill_seconds = 2;                ///< signup and login forms sent back sooner look like a bot; 0: off
    int email_changes_per_account_per_hour = 3;
    int email_changes_per_ip_per_hour = 10;
    int support_tickets_per_hour = 5;             ///< "Contact support" tickets per customer in any rolling hour
    std::string signup_challenge = "auto";        ///< off, auto or always
    int signup_challenge_threshold = 30;          ///< auto: signups in the last minute that switch the challenge on

    // The HTTP engine: I/O threads, the handler queue's patience, per-connection deadlines and caps, shutdown.
    int http_io_threads = 2;
    int http_queue_wait_ms = 5000;      ///< a request waiting longer for a handler thread gets 503 + Retry-After
    int max_connections_per_ip = 256;   ///< open connections per client address (trusted proxies exempt); 0: no cap
    int http_idle_seconds = 5;          ///< a connection with no request under way closes after this
    int http_head_seconds = 10;         ///< a request head must arrive within this (408 otherwise)
    int shutdown_seconds = 20;          ///< on SIGTERM: answer every request already read within this, then stop
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
