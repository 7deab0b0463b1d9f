#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <functional>
#include <iostream>

#include "app/admin_cli.h"
#include "app/metrics_cli.h"
#include "app/app.h"
#include "app/provision_cli.h"
#include "app/service_manager.h"
#include "common/crypto.h"
#include "common/logging.h"
#include "domain/api_key.h"
#include "domain/accounts.h"
#include "domain/email_address.h"
#include "domain/provisioning.h"
#include "storage/migrations.h"

namespace {

using namespace rsolv;

/// Text or JSON lines at the configured level; every message goes through domain::maskApiKeys.
void initLogging(const app::Config& config) {
    logging::init(config.log_format == "json" ? logging::Format::Json : logging::Format::Text, config.log_level,
                  domain::maskApiKeys);
}

/// Blocks until SIGINT or SIGTERM.
int waitForStopSignal() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    sigwait(&set, &sig);
    return sig;
}

/// Ready once migrations are applied (App's constructor) and the listener is open (startHttp).
void notifyReady(unsigned short port, int workers) {
    app::notifyReady("listening on port " + std::to_string(port) + ", " + std::to_string(workers) +
                     " job worker thread(s)");
}

constexpr auto kShutdownGrace = std::chrono::seconds(20);

int serve(const app::Config& config) {
    SystemClock clock;
    app::App application(config, clock);
    application.startHttp();
    application.startAlerting();
    if (config.workers > 0) application.startWorkers();
    notifyReady(application.port(), config.workers);
    const int sig = waitForStopSignal();
    spdlog::info("received signal {}, stopping: no new connections; answering the requests already read (at most {} s)",
                 sig, config.shutdown_seconds);
    app::notifyStopping();
    application.stopHttp();
    spdlog::info("HTTP stopped; stopping job workers");
    application.stopWorkers(kShutdownGrace);
    return 0;
}

int work(const app::Config& config) {
    SystemClock clock;
    app::App application(config, clock);
    application.startMetrics();
    application.startAlerting();
    application.startWorkers();
    app::notifyReady("running " + std::to_string(std::max(1, config.workers)) + " job worker thread(s)");
    const int sig = waitForStopSignal();
    spdlog::info("received signal {}, stopping: no new jobs are claimed", sig);
    app::notifyStopping();
    application.stopWorkers(kShutdownGrace);
    return 0;
}

int migrateOnly(const app::Config& config) {
    auto db = app::openAndMigrate(config);
    const auto status = storage::schemaStatus(*db);
    std::cout << "schema version " << status.database_version << " (binary knows " << status.binary_version << ")\n";
    return 0;
}

}  // namespace

/// Every command's start and end: libsodium, the configuration from the environment, logging; then `command`. A
/// configuration error exits 2, any other error 1, each with its message.
int withConfig(const std::function<int(const app::Config&)>& command) {
    try {
        crypto::init();
        const auto config = app::loadConfig(app::processEnvironment());
        initLogging(config);
        return command(config);
    } catch (const app::ConfigError& e) {
        std::cerr << "rsolv: configuration error: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "rsolv: " << e.what() << "\n";
        return 1;
    }
}

int main(int argc, char** argv) {
    // Signals are taken by sigwait in the main thread; every other thread inherits the blocked mask.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    CLI::App cli{"RSOLV: automated security fixes, self-service provisioning service"};
    cli.require_subcommand(1);
    auto* serve_cmd = cli.add_subcommand("serve", "Run the web service (applies migrations first)");
    auto* migrate_cmd = cli.add_subcommand("migrate", "Apply database migrations and exit");
    auto* worker_cmd = cli.add_subcommand("worker", "Run job workers only (emails), to scale them apart from serve");
    auto* provision_cmd = cli.add_subcommand("provision", "Provision a customer from the command line");
    std::string email, name, company;
    provision_cmd->add_option("--email", email, "Email address")->required();
    provision_cmd->add_option("--name", name, "Customer name")->required();
    provision_cmd->add_option("--company", company, "Company (optional)");
    // `rsolv admin ...` has its own parser (src/app/admin_cli.cpp); listed here for --help.
    cli.add_subcommand("admin", "Operator console from the command line (rsolv admin --help)");
    cli.add_subcommand("metrics", "RFC-065's success report (rsolv metrics report --help)");
    // `rsolv admin ...` and `rsolv metrics ...` parse their own words.
    const std::vector<std::string> own_words(argv + std::min(argc, 2), argv + argc);
    SystemClock clock;
    if (argc > 1 && std::string(argv[1]) == "admin")
        return withConfig([&](const app::Config& config) {
            return app::runAdminCommand(own_words, config, clock, app::cliActor(), std::cout, std::cerr);
        });
    if (argc > 1 && std::string(argv[1]) == "metrics")
        return withConfig([&](const app::Config& config) {
            return app::runMetricsCommand(own_words, config, clock, std::cout, std::cerr);
        });
    CLI11_PARSE(cli, argc, argv);

    return withConfig([&](const app::Config& config) {
        if (serve_cmd->parsed()) return serve(config);
        if (migrate_cmd->parsed()) return migrateOnly(config);
        if (worker_cmd->parsed()) return work(config);
        if (provision_cmd->parsed())
            return app::runProvisionCommand({email, name, company}, config, clock, app::cliActor(), std::cout,
                                            std::cerr);
        return 0;
    });
}
