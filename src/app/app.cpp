#include "app/app.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/embedded.h"
#include "http/handlers/routes.h"
#include "storage/migrations.h"
#include "storage/postgres_database.h"

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

    domain::ProvisioningPolicy policy;
    policy.trial_fixes = config_.trial_fixes;
    policy.signups_per_email_per_day = config_.signups_per_email_per_day;
    policy.signups_per_ip_per_hour = config_.signups_per_ip_per_hour;
    policy.session = session_policy_;
    provisioning_ = std::make_unique<domain::Provisioning>(*db_, clock_, *disposable_, policy,
                                                           secret_.subkey("flash-encryption"));

    web_.public_url = config_.public_url;
    web_.secure_cookies = config_.https();
    web_.max_body_bytes = config_.max_body_bytes;
    web_.trial_fixes = config_.trial_fixes;
    for (const auto& cidr : config_.trusted_proxies) web_.trusted_proxies.push_back(http::Cidr::parse(cidr).value());

    views_ = std::make_unique<http::Views>();
    csrf_ = std::make_unique<http::Csrf>(secret_.subkey("csrf"), config_.public_url);
    context_ = std::make_unique<http::Context>(
        http::Context{web_, clock_, *db_, *provisioning_, session_policy_, *views_, *csrf_});

    http::addHealthRoutes(router_, *context_);
    http::addStaticRoutes(router_);
    http::addSignupRoutes(router_, *context_);
}

App::~App() { stopHttp(); }

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
