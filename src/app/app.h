#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "app/config.h"
#include "common/clock.h"
#include "common/monotonic_clock.h"
#include "common/crypto.h"
#include "domain/alerting.h"
#include "domain/api_account.h"
#include "domain/api_key_cache.h"
#include "domain/api_usage.h"
#include "domain/disposable_domains.h"
#include "domain/provisioning.h"
#include "http/context.h"
#include "http/csrf.h"
#include "http/router.h"
#include "http/server.h"
#include "http/views.h"
#include "jobs/alert_jobs.h"
#include "jobs/email_jobs.h"
#include "jobs/invitation_email_jobs.h"
#include "jobs/job_queue.h"
#include "jobs/operator_email_jobs.h"
#include "jobs/worker.h"
#include "mail/failover_mailer.h"
#include "mail/mail_settings.h"
#include "metrics/metrics_server.h"
#include "metrics/service_metrics.h"
#include "storage/database.h"
#include "storage/postgres_listener.h"

namespace rsolv::app {

/// The composition root: builds every real part once (database, domain services, views, routes, HTTP server) and
/// hands references down. `serve` runs one; integration tests run one on port 0 with a clock they control.
class App {
public:
    /// `ticks` times the workers' polls and heartbeats and the mail breakers' probes (tests pass a manual one).
    App(Config config, const Clock& clock, MonotonicClock& ticks = MonotonicClock::system());
    ~App();

    void startHttp();
    void stopHttp();
    unsigned short port() const;
    /// Job workers on their own threads (RSOLV_WORKERS of them, at least one): in `serve`, or alone in `rsolv worker`.
    void startWorkers();
    void stopWorkers(Duration grace);
    jobs::Worker& worker() { return *worker_; }
    /// The GET /metrics listener of RSOLV_METRICS_LISTEN (nothing when it is empty); port 0 picks a free port.
    void startMetrics();
    void stopMetrics();
    unsigned short metricsPort() const;
    metrics::ServiceMetrics& metrics() { return *metrics_; }
    /// Built-in alerting: a thread that ticks every 15 seconds (serve and worker); tests call alerting().tick().
    void startAlerting();
    void stopAlerting();
    domain::Alerting& alerting() { return *alerting_; }
    jobs::JobQueue& jobQueue() { return *queue_; }
    /// For metrics: what the email jobs did (sent, deferred, record retries, duplicates).
    const jobs::DeliveryCounters& deliveryCounters() const { return email_handler_->counters(); }
    /// For metrics: the mail transports, their breakers and counters.
    const mail::FailoverMailer& mailTransport() const { return *mailer_; }

    const Config& config() const { return config_; }
    storage::Database& database() { return *db_; }
    domain::Provisioning& provisioning() { return *provisioning_; }
    const http::Router& router() const { return router_; }
    const crypto::SecretKey& secretKey() const { return secret_; }
    /// What handlers are given; tests call HTTP-layer helpers with it and serve routes of their own on an HttpServer.
    const http::Context& context() const { return *context_; }
    /// Writes the per-key request counts, last_used_at and first-call events gathered since the last flush (a
    /// background thread does it every 250 ms while HTTP is served, and once more when it stops).
    void flushApiUsage();
    domain::ApiKeyCache& apiKeyCache() { return *key_cache_; }

private:
    Config config_;
    const Clock& clock_;
    crypto::SecretKey secret_;
    std::unique_ptr<storage::Database> db_;
    MonotonicClock& ticks_;
    std::unique_ptr<metrics::ServiceMetrics> metrics_;
    std::unique_ptr<metrics::MetricsServer> metrics_server_;
    std::unique_ptr<domain::DisposableDomains> disposable_;
    std::unique_ptr<domain::RateLimiter> limiter_;
    std::unique_ptr<domain::Provisioning> provisioning_;
    domain::SessionPolicy session_policy_;
    domain::ApiPolicy api_policy_;
    domain::SignInPolicy sign_in_policy_;
    domain::KeyPolicy key_policy_;
    http::WebSettings web_;
    std::unique_ptr<http::Views> views_;
    std::unique_ptr<http::Csrf> csrf_;
    std::unique_ptr<http::Context> context_;
    http::Router router_;
    std::unique_ptr<http::HttpServer> server_;
    std::unique_ptr<mail::FailoverMailer> mailer_;
    std::unique_ptr<jobs::JobQueue> queue_;
    std::unique_ptr<jobs::EmailJobHandler> email_handler_;
    std::unique_ptr<jobs::OperatorEmailJobHandler> operator_email_handler_;
    std::unique_ptr<jobs::InvitationEmailJobHandler> invitation_email_handler_;
    std::unique_ptr<jobs::Worker> worker_;
    std::unique_ptr<domain::Alerting> alerting_;
    std::unique_ptr<jobs::AlertEmailJobHandler> alert_email_handler_;
    std::unique_ptr<jobs::AlertWebhookJobHandler> alert_webhook_handler_;
    std::thread alert_thread_;
    std::mutex alert_mutex_;
    std::condition_variable alert_cv_;
    bool alert_stop_ = false;
    bool workers_running_ = false;
    void buildAlerting(const std::string& instance);
    // The API key cache, its invalidation and the in-memory per-key limit (issue 11).
    std::unique_ptr<domain::ApiKeyCache> key_cache_;
    std::unique_ptr<domain::ApiUsage> api_usage_;
    std::unique_ptr<domain::ApiAuthenticator> api_auth_;
    std::unique_ptr<domain::ApiAccounts> api_accounts_;
    std::unique_ptr<storage::PostgresListener> key_listener_;
    std::thread usage_thread_;
    std::mutex usage_mutex_;
    std::condition_variable usage_cv_;
    bool usage_stop_ = false;
    void buildApiKeys();
    void startUsageFlusher();
    void stopUsageFlusher();
};

/// The HTTP engine's options from the configuration.
http::ServerOptions serverOptions(const Config& config);

/// The mail settings of RSOLV_MAIL_URL, RSOLV_MAIL_FROM, RSOLV_MAIL_REPLY_TO, RSOLV_SMTP_* and RSOLV_MAIL_SENDERS;
/// with `fallback`, of RSOLV_MAIL_FALLBACK_URL instead of RSOLV_MAIL_URL (its credentials only from its URL).
mail::MailSettings mailSettings(const Config& config, bool fallback = false);

/// The server key: RSOLV_SECRET_KEY, or in development one kept in <var>/secret_key (created on first start).
crypto::SecretKey loadSecretKey(const Config& config);

/// Opens the configured database and brings its schema up to date.
std::unique_ptr<storage::Database> openAndMigrate(const Config& config);

}  // namespace rsolv::app
