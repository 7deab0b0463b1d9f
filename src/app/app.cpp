#include "app/app.h"

#include "domain/admin/signups.h"

#include "app/open_files.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/embedded.h"
#include "common/webhook_signature.h"
#include "domain/admin/signups.h"
#include "domain/onboarding.h"
#include "domain/support_tickets.h"
#include "http/handlers/admin_routes.h"
#include "http/handlers/routes.h"
#include "storage/credential_changes.h"
#include "storage/migrations.h"
#include "storage/postgres_database.h"
#include "storage/retention.h"

namespace rsolv::app {
namespace {

/// var/ holds the SQLite database, the development key and the file outbox: only the service's user may enter it,
/// whatever the umask. An existing directory keeps the mode its owner gave it.
void createPrivateVarDir(const std::string& dir) {
    if (dir.empty() || std::filesystem::exists(dir)) return;
    std::filesystem::create_directories(dir);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
}

}  // namespace

crypto::SecretKey loadSecretKey(const Config& config) {
    if (!config.secret_key.empty()) {
        auto key = crypto::SecretKey::fromString(config.secret_key);
        if (!key.ok()) throw ConfigError("RSOLV_SECRET_KEY: " + key.error().message);
        return key.value();
    }
    const std::filesystem::path path = std::filesystem::path(config.var_dir) / "secret_key";
    if (std::ifstream in{path}) {
        std::string text;
        std::getline(in, text);
        auto key = crypto::SecretKey::fromString(text);
        if (!key.ok()) throw ConfigError(path.string() + " does not hold a usable key; delete it to make a new one");
        return key.value();
    }
    createPrivateVarDir(config.var_dir);
    auto key = crypto::SecretKey::generate();
    {
        const auto old = umask(077);
        std::ofstream out(path);
        umask(old);
        out << key.toHex() << "\n";
        if (!out) throw ConfigError("could not write a development secret key to " + path.string());
    }
    spdlog::warn("RSOLV_SECRET_KEY is not set: generated a development key in {}. Set RSOLV_SECRET_KEY in production.",
                 path.string());
    return key;
}

std::unique_ptr<storage::Database> openAndMigrate(const Config& config) {
    auto db = storage::openDatabase({config.database_url, config.db_pool_size, 5000});
    const auto report = storage::migrate(*db);
    for (const auto& name : report.applied) spdlog::info("applied migration {}", name);
    spdlog::info("database {} at schema version {}", db->describe(), report.to_version);
    return db;
}

mail::MailSettings mailSettings(const Config& config, bool fallback) {
    auto parsed = fallback ? mail::parseMailUrl(config.mail_fallback_url, "RSOLV_MAIL_FALLBACK_URL")
                           : mail::parseMailUrl(config.mail_url);
    if (!parsed.ok()) throw ConfigError(parsed.error().message);
    mail::MailSettings m = parsed.value();
    m.max_connections = config.mail_senders;
    if (!fallback && !config.smtp_username.empty()) {
        m.username = config.smtp_username;
        m.password = config.smtp_password;
    }
    // Defaults also when the Config was built in code rather than by loadConfig.
    const std::string support = config.support_email.empty() ? "support@" + config.publicHost() : config.support_email;
    const std::string from = config.mail_from.empty() ? "RSOLV <no-reply@" + config.publicHost() + ">" : config.mail_from;
    const auto lt = from.find('<');
    if (lt != std::string::npos && from.back() == '>') {
        std::string name = from.substr(0, lt);
        while (!name.empty() && (name.back() == ' ' || name.back() == '"')) name.pop_back();
        while (!name.empty() && (name.front() == ' ' || name.front() == '"')) name.erase(0, 1);
        m.from_name = name;
        m.from_address = from.substr(lt + 1, from.size() - lt - 2);
    } else {
        m.from_address = from;
    }
    m.reply_to = config.mail_reply_to.empty() ? support : config.mail_reply_to;
    m.connect_timeout_seconds = config.smtp_timeout_seconds;
    m.io_timeout_seconds = config.smtp_timeout_seconds * 3;
    return m;
}

App::App(Config config, const Clock& clock, MonotonicClock& ticks)
    : config_(std::move(config)),
      clock_(clock),
      secret_(loadSecretKey(config_)),
      db_(openAndMigrate(config_)),
      ticks_(ticks) {
    createPrivateVarDir(config_.var_dir);
    std::vector<std::string> allow, block;
    if (!config_.email_allowlist_file.empty())
        allow = domain::DisposableDomains::readDomainFile(config_.email_allowlist_file);
    if (!config_.email_blocklist_file.empty())
        block = domain::DisposableDomains::readDomainFile(config_.email_blocklist_file);
    const auto list = embedded::find("data/disposable_email_blocklist.json");
    if (!list) throw std::logic_error("the disposable domain list is not embedded");
    disposable_ = std::make_unique<domain::DisposableDomains>(*list, std::move(allow), std::move(block));

    const std::vector<std::string> email_kinds{
        std::string(domain::email_kind::kWelcome),      std::string(domain::email_kind::kAlreadyRegistered),
        std::string(domain::email_kind::kOnboarding24h), std::string(domain::email_kind::kOnboarding72h),
        std::string(domain::email_kind::kOnboarding1w),  std::string(domain::email_kind::kSignIn),
        std::string(domain::email_kind::kEmailChange),   std::string(domain::email_kind::kEmailChanged),
        std::string(domain::kSupportTicketJob)};
    metrics_ = std::make_unique<metrics::ServiceMetrics>(*db_, clock_,
                                                         metrics::ServiceMetricsOptions{RSOLV_VERSION, std::chrono::seconds(5), email_kinds});

    session_policy_.idle_timeout = std::chrono::minutes(config_.session_idle_minutes);
    session_policy_.absolute_timeout = std::chrono::hours(config_.session_absolute_hours);
    api_policy_.requests_per_minute = config_.api_requests_per_minute;
    api_policy_.trial_refunds = config_.trial_refunds;

    domain::ProvisioningPolicy policy;
    policy.trial_fixes = config_.trial_fixes;
    policy.signups_per_email_per_day = config_.signups_per_email_per_day;
    policy.signups_per_ip_per_hour = config_.signups_per_ip_per_hour;
    policy.session = session_policy_;
    policy.welcome_email_includes_key = config_.welcome_email_includes_key;
    limiter_ = std::make_unique<domain::RateLimiter>(domain::RateLimitPolicy{config_.ipv6_limit_prefix});
    provisioning_ = std::make_unique<domain::Provisioning>(*db_, clock_, *disposable_, *limiter_, policy,
                                                           secret_.subkey("flash-encryption"),
                                                           secret_.subkey("job-payload-encryption"));
    provisioning_->setTelemetry(*metrics_);

    mail::BreakerSettings breaker;
    breaker.failure_threshold = config_.mail_breaker_threshold;
    breaker.probe_interval = std::chrono::seconds(config_.mail_probe_seconds);
    mailer_ = std::make_unique<mail::FailoverMailer>(
        mail::makeMailer(mailSettings(config_)),
        config_.mail_fallback_url.empty() ? nullptr : mail::makeMailer(mailSettings(config_, true)), breaker, ticks_);
    char hostname[256] = {};
    gethostname(hostname, sizeof hostname - 1);
    queue_ = std::make_unique<jobs::JobQueue>(*db_, clock_,
                                              std::string(hostname) + ":" + std::to_string(getpid()),
                                              std::chrono::seconds(config_.job_lease_seconds));
    jobs::EmailJobSettings email;
    email.public_url = config_.public_url;
    email.host = config_.publicHost();
    email.support_email = config_.support_email.empty() ? "support@" + config_.publicHost() : config_.support_email;
    email.payload_key = secret_.subkey("job-payload-encryption");
    email.unsubscribe_key = secret_.subkey("unsubscribe-links");
    email.not_me_key = secret_.subkey("not-me-links");
    email.login_link_ttl = std::chrono::minutes(config_.sign_in_link_minutes);
    email.telemetry = metrics_.get();
    email_handler_ = std::make_unique<jobs::EmailJobHandler>(*db_, clock_, *mailer_, email, ticks_);
    jobs::WorkerOptions worker_options;
    worker_options.threads = std::max(1, config_.workers);
    worker_options.keep_finished = std::chrono::hours(24 * config_.jobs_keep_days);
    worker_ = std::make_unique<jobs::Worker>(*queue_, worker_options, ticks_);
    for (const auto& kind : email_kinds) worker_->addHandler(kind, *email_handler_);
    buildAlerting(std::string(hostname) + ":" + std::to_string(getpid()));
    operator_email_handler_ = std::make_unique<jobs::OperatorEmailJobHandler>(
        *db_, clock_, *mailer_, config_.public_url, config_.publicHost(), web_.operators);
    worker_->addHandler(std::string(domain::admin::kOperatorSignInJob), *operator_email_handler_);
    invitation_email_handler_ = std::make_unique<jobs::InvitationEmailJobHandler>(
        *db_, clock_, *mailer_,
        jobs::InvitationEmailJobHandler::Settings{config_.public_url, config_.publicHost(), email.support_email,
                                                  email.payload_key});
    worker_->addHandler(std::string(domain::admin::kInvitationJob), *invitation_email_handler_);
    // Only one worker thread of one instance needs to do this at a time, but doing it twice deletes nothing twice.
    worker_->addMaintenance([this] {
        const int n = storage::inTransaction(*db_, storage::TxMode::Write, [&](storage::Transaction& tx) {
            return storage::pruneExpiredRows(tx, clock_.now(), std::chrono::hours(24));
        });
        if (n > 0) spdlog::info("pruned {} expired row(s)", n);
    });

    web_.public_url = config_.public_url;
    web_.secure_cookies = config_.https();
    web_.max_body_bytes = config_.max_body_bytes;
    web_.trial_fixes = config_.trial_fixes;
    web_.unsubscribe_key = secret_.subkey("unsubscribe-links");
    web_.flash_key = secret_.subkey("flash-encryption");
    web_.github_action = config_.github_action;
    web_.not_me_key = secret_.subkey("not-me-links");
    web_.form_key = secret_.subkey("form-render-time");
    web_.form_min_fill_seconds = config_.form_min_fill_seconds;
    web_.email_change.per_account_per_hour = config_.email_changes_per_account_per_hour;
    web_.email_change.per_ip_per_hour = config_.email_changes_per_ip_per_hour;
    api_policy_.unverified_fix_limit = config_.unverified_fix_limit;
    web_.challenge_key = secret_.subkey("signup-challenge");
    web_.challenge.mode = domain::parseChallengeMode(config_.signup_challenge);
    web_.challenge.threshold = config_.signup_challenge_threshold;
    sign_in_policy_.link_ttl = std::chrono::minutes(config_.sign_in_link_minutes);
    sign_in_policy_.links_per_email_per_hour = config_.sign_in_links_per_email_per_hour;
    sign_in_policy_.links_per_ip_per_hour = config_.sign_in_links_per_ip_per_hour;
    key_policy_.max_active_keys = config_.max_active_keys;
    for (const auto& cidr : config_.trusted_proxies) web_.trusted_proxies.push_back(http::Cidr::parse(cidr).value());
    for (const auto& cidr : config_.admin_allowed_cidrs)
        web_.admin_allowed_cidrs.push_back(http::Cidr::parse(cidr).value());
    web_.invitation_seal_key = secret_.subkey("job-payload-encryption");

    views_ = std::make_unique<http::Views>();
    csrf_ = std::make_unique<http::Csrf>(secret_.subkey("csrf"), config_.public_url);
    context_ = std::make_unique<http::Context>(
        http::Context{web_, clock_, *db_, *provisioning_, session_policy_, *views_, *csrf_, api_policy_,
                      sign_in_policy_, key_policy_, *limiter_, [this] { worker_->wake(); }});
    context_->telemetry = metrics_.get();
    buildApiKeys();

    http::addHealthRoutes(router_, *context_);
    http::addStaticRoutes(router_);
    http::addSignupRoutes(router_, *context_);
    http::addEmailLinkRoutes(router_, *context_);
    http::addApiRoutes(router_, *context_);
    http::addAuthRoutes(router_, *context_);
    http::addDashboardRoutes(router_, *context_);
    http::addKeyRoutes(router_, *context_);
    http::addSettingsRoutes(router_, *context_);
    http::addAdminAuthRoutes(router_, *context_);
    http::addAdminHomeRoutes(router_, *context_);
    http::addAdminCustomerRoutes(router_, *context_);
    http::addAdminAuditRoutes(router_, *context_);
    http::addAdminJobRoutes(router_, *context_);
    http::addAdminOperatorRoutes(router_, *context_);
    http::addAdminSignupRoutes(router_, *context_);
    http::addAccountSecurityRoutes(router_, *context_);
    http::addSupportRoutes(router_, *context_, domain::SupportPolicy{config_.support_tickets_per_hour});
    http::addAdminMetricsRoutes(router_, *context_);
}

http::ServerOptions serverOptions(const Config& config) {
    http::ServerOptions o;
    o.host = config.listen_host;
    o.port = config.listen_port;
    o.io_threads = config.http_io_threads;
    o.handler_threads = config.http_threads;
    o.handler_queue = size_t(config.http_queue);
    o.handler_queue_wait = std::chrono::milliseconds(config.http_queue_wait_ms);
    o.max_connections_per_ip = config.max_connections_per_ip;
    o.idle_timeout = std::chrono::seconds(config.http_idle_seconds);
    o.head_timeout = std::chrono::seconds(config.http_head_seconds);
    o.shutdown_timeout = std::chrono::seconds(config.shutdown_seconds);
    return o;
}

App::~App() {
    stopHttp();
    stopAlerting();
    stopWorkers(std::chrono::seconds(0));
    stopMetrics();
    if (auto* observable = dynamic_cast<storage::CredentialsObservable*>(db_.get())) {
        observable->onCredentialsChanged({});
        observable->onAccountsChanged({});
    }
}

void App::buildAlerting(const std::string& instance) {
    domain::AlertPolicy policy;
    policy.emails = config_.alert_emails;
    policy.webhook = !config_.alert_webhook_url.empty();
    policy.cooldown = std::chrono::minutes(config_.alert_cooldown_minutes);
    policy.instance = instance;
    alerting_ = std::make_unique<domain::Alerting>(*db_, clock_, policy);
    alert_email_handler_ = std::make_unique<jobs::AlertEmailJobHandler>(*db_, clock_, *mailer_, config_.publicHost(),
                                                                 *metrics_);
    worker_->addHandler(std::string(domain::alert_job::kEmail), *alert_email_handler_);
    if (policy.webhook) {
        jobs::AlertWebhookSettings webhook;
        webhook.url = config_.alert_webhook_url;
        webhook.key = decodeWebhookSecret(config_.alert_webhook_secret).value_or("");
        alert_webhook_handler_ = std::make_unique<jobs::AlertWebhookJobHandler>(clock_, webhook);
        worker_->addHandler(std::string(domain::alert_job::kWebhook), *alert_webhook_handler_);
    }
}

void App::startAlerting() {
    if (alert_thread_.joinable()) return;
    alert_stop_ = false;
    alert_thread_ = std::thread([this] {
        std::unique_lock lock(alert_mutex_);
        while (!alert_stop_) {
            lock.unlock();
            try {
                if (!alerting_->tick().empty()) worker_->wake();
            } catch (const std::exception& e) {
                spdlog::error("alert evaluation failed: {}", e.what());
            }
            lock.lock();
            alert_cv_.wait_for(lock, std::chrono::seconds(15), [this] { return alert_stop_; });
        }
    });
}

void App::stopAlerting() {
    if (!alert_thread_.joinable()) return;
    {
        std::lock_guard lock(alert_mutex_);
        alert_stop_ = true;
    }
    alert_cv_.notify_all();
    alert_thread_.join();
    try {
        alerting_->forgetInstance();
    } catch (const std::exception& e) {
        spdlog::warn("could not remove this instance's heartbeat: {}", e.what());
    }
}

void App::startMetrics() {
    if (metrics_server_ || config_.metrics_listen.empty()) return;
    std::string host;
    unsigned short port = 0;
    if (!metrics::parseListenAddress(config_.metrics_listen, host, port))
        throw ConfigError("RSOLV_METRICS_LISTEN must be host:port");
    try {
        metrics_server_ = std::make_unique<metrics::MetricsServer>(host, port, [this] { return metrics_->scrape(); });
    } catch (const std::exception& e) {
        // The listener is an aid, not the service: a second process on the host (serve and worker) keeps running.
        spdlog::error("no metrics listener on {}: {} (set RSOLV_METRICS_LISTEN to a free address)",
                      config_.metrics_listen, e.what());
        return;
    }
    metrics_server_->start();
    spdlog::info("metrics on http://{}:{}/metrics", host, metrics_server_->port());
}

void App::stopMetrics() {
    if (metrics_server_) {
        metrics_server_->stop();
        metrics_server_.reset();
    }
}

unsigned short App::metricsPort() const { return metrics_server_ ? metrics_server_->port() : 0; }

void App::startWorkers() {
    if (workers_running_) return;
    worker_->start();
    workers_running_ = true;
    spdlog::info("{} job worker thread(s) started, mail via {}", std::max(1, config_.workers), mailer_->describe());
}

void App::stopWorkers(Duration grace) {
    if (!workers_running_) return;
    worker_->requestStop();
    worker_->waitIdle(grace);
    email_handler_->shutdown();  // a delivery still waiting to be recorded stops waiting
    worker_->join();
    workers_running_ = false;
}

void App::startHttp() {
    raiseOpenFilesLimit();
    server_ = std::make_unique<http::HttpServer>(*context_, router_, serverOptions(config_));
    server_->start();
    startUsageFlusher();
    startMetrics();
    spdlog::info("listening on {}:{} ({} I/O, {} handler threads, at most {} connections per address), public URL {}",
                 config_.listen_host, server_->port(), config_.http_io_threads, config_.http_threads,
                 config_.max_connections_per_ip, config_.public_url);
}

void App::stopHttp() {
    if (server_) {
        server_->stop();
        server_.reset();
    }
    stopUsageFlusher();
}

void App::buildApiKeys() {
    key_cache_ = std::make_unique<domain::ApiKeyCache>(domain::ApiKeyCache::Options{});
    api_usage_ = std::make_unique<domain::ApiUsage>();
    api_auth_ = std::make_unique<domain::ApiAuthenticator>(*db_, *key_cache_, *api_usage_, api_policy_);
    context_->api_keys = api_auth_.get();
    api_accounts_ = std::make_unique<domain::ApiAccounts>(*db_, domain::ApiAccounts::Options{});
    context_->api_accounts = api_accounts_.get();
    // This process's own changes: at once, on the committing thread.
    if (auto* observable = dynamic_cast<storage::CredentialsObservable*>(db_.get())) {
        observable->onCredentialsChanged([cache = key_cache_.get()] { cache->clear(); });
        observable->onAccountsChanged([accounts = api_accounts_.get()] { accounts->clear(); });
    }
}

void App::flushApiUsage() { api_usage_->flush(*db_, clock_.now()); }

void App::startUsageFlusher() {
    // Other instances' changes (and the admin CLI's): their transactions NOTIFY every listener with their commit.
    if (db_->dialect() == storage::Dialect::Postgres && !key_listener_) {
        key_listener_ = std::make_unique<storage::PostgresListener>(
            config_.database_url, std::string(storage::kCredentialsChannel), [cache = key_cache_.get()] { cache->clear(); },
            [cache = key_cache_.get()](bool listening) {
                // Whatever was missed while it was down goes with the entries read then.
                cache->clear();
                cache->setListening(listening);
            });
    }
    if (usage_thread_.joinable()) return;
    usage_stop_ = false;
    usage_thread_ = std::thread([this] {
        std::unique_lock lock(usage_mutex_);
        while (!usage_cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return usage_stop_; })) {
            lock.unlock();
            try {
                flushApiUsage();
            } catch (const std::exception& e) {
                spdlog::warn("could not write API usage (request counts, last use), will retry: {}", e.what());
            }
            lock.lock();
        }
    });
}

void App::stopUsageFlusher() {
    key_listener_.reset();
    if (!usage_thread_.joinable()) return;
    {
        std::lock_guard lock(usage_mutex_);
        usage_stop_ = true;
    }
    usage_cv_.notify_all();
    usage_thread_.join();
    try {
        flushApiUsage();
    } catch (const std::exception& e) {
        spdlog::error("could not write API usage at shutdown (request counts, last use): {}", e.what());
    }
}

unsigned short App::port() const { return server_ ? server_->port() : 0; }

}  // namespace rsolv::app
