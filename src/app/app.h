#pragma once

#include <memory>

#include "app/config.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "domain/disposable_domains.h"
#include "domain/provisioning.h"
#include "http/context.h"
#include "http/csrf.h"
#include "http/router.h"
#include "http/server.h"
#include "http/views.h"
#include "jobs/email_jobs.h"
#include "jobs/job_queue.h"
#include "jobs/operator_email_jobs.h"
#include "jobs/worker.h"
#include "mail/mail_settings.h"
#include "storage/database.h"

namespace rsolv::app {

/// The composition root: builds every real part once (database, domain services, views, routes, HTTP server) and
/// hands references down. `serve` runs one; integration tests run one on port 0 with a clock they control.
class App {
public:
    App(Config config, const Clock& clock);
    ~App();

    void startHttp();
    void stopHttp();
    unsigned short port() const;
    /// Job workers on their own threads (RSOLV_WORKERS of them, at least one): in `serve`, or alone in `rsolv worker`.
    void startWorkers();
    void stopWorkers(Duration grace);
    jobs::Worker& worker() { return *worker_; }
    jobs::JobQueue& jobQueue() { return *queue_; }

    const Config& config() const { return config_; }
    storage::Database& database() { return *db_; }
    domain::Provisioning& provisioning() { return *provisioning_; }
    const http::Router& router() const { return router_; }
    const crypto::SecretKey& secretKey() const { return secret_; }

private:
    Config config_;
    const Clock& clock_;
    crypto::SecretKey secret_;
    std::unique_ptr<storage::Database> db_;
    std::unique_ptr<domain::DisposableDomains> disposable_;
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
    std::unique_ptr<mail::Mailer> mailer_;
    std::unique_ptr<jobs::JobQueue> queue_;
    std::unique_ptr<jobs::EmailJobHandler> email_handler_;
    std::unique_ptr<jobs::OperatorEmailJobHandler> operator_email_handler_;
    std::unique_ptr<jobs::Worker> worker_;
    bool workers_running_ = false;
};

/// The mail settings of RSOLV_MAIL_URL, RSOLV_MAIL_FROM, RSOLV_MAIL_REPLY_TO and RSOLV_SMTP_*.
mail::MailSettings mailSettings(const Config& config);

/// The server key: RSOLV_SECRET_KEY, or in development one kept in <var>/secret_key (created on first start).
crypto::SecretKey loadSecretKey(const Config& config);

/// Opens the configured database and brings its schema up to date.
std::unique_ptr<storage::Database> openAndMigrate(const Config& config);

}  // namespace rsolv::app
