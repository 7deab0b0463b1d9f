#include "app/app.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/embedded.h"
#include "domain/onboarding.h"
#include "http/handlers/admin_routes.h"
#include "http/handlers/routes.h"
#include "storage/migrations.h"
#include "storage/postgres_database.h"
#include "storage/retention.h"

namespace rsolv::app {

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
    std::filesystem::create_directories(config.var_dir);
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

mail::MailSettings mailSettings(const Config& config) {
    auto parsed = mail::parseMailUrl(config.mail_url);
    if (!parsed.ok()) throw ConfigError(parsed.error().message);
    mail::MailSettings m = parsed.value();
    if (!config.smtp_username.empty()) {
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

App::App(Config config, const Clock& clock)
    : config_(std::move(config)), clock_(clock), secret_(loadSecretKey(config_)), db_(openAndMigrate(config_)) {
    std::vector<std::string> allow, block;
    if (!config_.email_allowlist_file.empty())
        allow = domain::DisposableDomains::readDomainFile(config_.email_allowlist_file);
    if (!config_.email_blocklist_file.empty())
        block = domain::DisposableDomains::readDomainFile(config_.email_blocklist_file);
    const auto list = embedded::find("data/disposable_email_blocklist.json");
    if (!list) throw std::logic_error("the disposable domain list is not embedded");
    disposable_ = std::make_unique<domain::DisposableDomains>(*list, std::move(allow), std::move(block));

    session_policy_.idle_timeout = std::chrono::minutes(config_.session_idle_minutes);
    session_policy_.absolute_timeout = std::chrono::hours(config_.session_absolute_hours);
    api_policy_.requests_per_minute = config_.api_requests_per_minute;

    domain::ProvisioningPolicy policy;
    policy.trial_fixes = config_.trial_fixes;
    policy.signups_per_email_per_day = config_.signups_per_email_per_day;
    policy.signups_per_ip_per_hour = config_.signups_per_ip_per_hour;
    policy.session = session_policy_;
    policy.welcome_email_includes_key = config_.welcome_email_includes_key;
    provisioning_ = std::make_unique<domain::Provisioning>(*db_, clock_, *disposable_, policy,
                                                           secret_.subkey("flash-encryption"),
                                                           secret_.subkey("job-payload-encryption"));

    mailer_ = mail::makeMailer(mailSettings(config_));
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
    email.login_link_ttl = std::chrono::minutes(config_.sign_in_link_minutes);
    email_handler_ = std::make_unique<jobs::EmailJobHandler>(*db_, clock_, *mailer_, email);
    jobs::WorkerOptions worker_options;
    worker_options.threads = std::max(1, config_.workers);
    worker_options.keep_finished = std::chrono::hours(24 * config_.jobs_keep_days);
    worker_ = std::make_unique<jobs::Worker>(*queue_, worker_options);
    for (const auto kind : {domain::email_kind::kWelcome, domain::email_kind::kAlreadyRegistered,
                            domain::email_kind::kOnboarding24h, domain::email_kind::kOnboarding72h,
                            domain::email_kind::kOnboarding1w, domain::email_kind::kSignIn,
                            domain::email_kind::kEmailChange, domain::email_kind::kEmailChanged})
        worker_->addHandler(std::string(kind), *email_handler_);
    operator_email_handler_ = std::make_unique<jobs::OperatorEmailJobHandler>(
        *db_, clock_, *mailer_, config_.public_url, config_.publicHost(), web_.operators);
    worker_->addHandler(std::string(domain::admin::kOperatorSignInJob), *operator_email_handler_);
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
    sign_in_policy_.link_ttl = std::chrono::minutes(config_.sign_in_link_minutes);
    sign_in_policy_.links_per_email_per_hour = config_.sign_in_links_per_email_per_hour;
    sign_in_policy_.links_per_ip_per_hour = config_.sign_in_links_per_ip_per_hour;
    key_policy_.max_active_keys = config_.max_active_keys;
    for (const auto& cidr : config_.trusted_proxies) web_.trusted_proxies.push_back(http::Cidr::parse(cidr).value());
    for (const auto& cidr : config_.admin_allowed_cidrs)
        web_.admin_allowed_cidrs.push_back(http::Cidr::parse(cidr).value());

    views_ = std::make_unique<http::Views>();
    csrf_ = std::make_unique<http::Csrf>(secret_.subkey("csrf"), config_.public_url);
    context_ = std::make_unique<http::Context>(
        http::Context{web_, clock_, *db_, *provisioning_, session_policy_, *views_, *csrf_, api_policy_,
                      sign_in_policy_, key_policy_, [this] { worker_->wake(); }});

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
}

App::~App() {
    stopHttp();
    stopWorkers(std::chrono::seconds(0));
}

void App::startWorkers() {
    if (workers_running_) return;
    worker_->start();
    workers_running_ = true;
    spdlog::info("{} job worker thread(s) started, mail via {}", std::max(1, config_.workers), mailer_->describe());
}

void App::stopWorkers(Duration grace) {
    if (!workers_running_) return;
    worker_->stop(grace);
    workers_running_ = false;
}

void App::startHttp() {
    http::ServerOptions options;
    options.host = config_.listen_host;
    options.port = config_.listen_port;
    options.threads = config_.http_threads;
    options.max_queued = config_.http_queue;
    server_ = std::make_unique<http::HttpServer>(*context_, router_, options);
    server_->start();
    spdlog::info("listening on {}:{} ({} threads), public URL {}", config_.listen_host, server_->port(),
                 config_.http_threads, config_.public_url);
}

void App::stopHttp() {
    if (server_) {
        server_->stop();
        server_.reset();
    }
}

unsigned short App::port() const { return server_ ? server_->port() : 0; }

}  // namespace rsolv::app
