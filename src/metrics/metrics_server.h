#pragma once

#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>

#include <functional>
#include <memory>
#include <string>

namespace rsolv::metrics {

/// The internal listener of RSOLV_METRICS_LISTEN: GET /metrics and nothing else, on two threads of its own pool, so
/// neither a slow scraper nor a busy public server can starve the other. Never the public port.
class MetricsServer {
public:
    MetricsServer(const std::string& host, unsigned short port, std::function<std::string()> scrape);
    ~MetricsServer();
    void start();
    void stop();
    unsigned short port() const;

private:
    std::unique_ptr<Poco::ThreadPool> pool_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

/// "host:port" of RSOLV_METRICS_LISTEN ("[::1]:9464" for IPv6); false when it is not one.
bool parseListenAddress(const std::string& text, std::string& host, unsigned short& port);

}  // namespace rsolv::metrics
