#include "metrics/metrics_server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <spdlog/spdlog.h>

#include <charconv>

#include "metrics/exposition.h"

namespace rsolv::metrics {
namespace {

class ScrapeHandler final : public Poco::Net::HTTPRequestHandler {
public:
    explicit ScrapeHandler(const std::function<std::string()>& scrape) : scrape_(scrape) {}

    void handleRequest(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out) override {
        std::string body;
        out.set("Cache-Control", "no-store");
        out.set("X-Content-Type-Options", "nosniff");
        const std::string path = in.getURI().substr(0, in.getURI().find('?'));
        if (path != "/metrics") {
            out.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
            body = "Only /metrics is served here.\n";
            out.setContentType("text/plain; charset=utf-8");
        } else if (in.getMethod() != "GET" && in.getMethod() != "HEAD") {
            out.setStatus(Poco::Net::HTTPResponse::HTTP_METHOD_NOT_ALLOWED);
            out.set("Allow", "GET, HEAD");
            out.setContentType("text/plain; charset=utf-8");
        } else {
            try {
                body = scrape_();
                out.setContentType(std::string(Exposition::kContentType));
            } catch (const std::exception& e) {
                spdlog::error("metrics scrape failed: {}", e.what());
                out.setStatus(Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
                body = "The metrics could not be collected.\n";
                out.setContentType("text/plain; charset=utf-8");
            }
        }
        out.setContentLength64(static_cast<Poco::Int64>(body.size()));
        auto& stream = out.send();
        if (in.getMethod() != "HEAD") stream.write(body.data(), static_cast<std::streamsize>(body.size()));
    }

private:
    const std::function<std::string()>& scrape_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(std::function<std::string()> scrape) : scrape_(std::move(scrape)) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new ScrapeHandler(scrape_);
    }

private:
    std::function<std::string()> scrape_;
};

}  // namespace

bool parseListenAddress(const std::string& text, std::string& host, unsigned short& port) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return false;
    host = text.substr(0, colon);
    if (host.front() == '[') {
        if (host.back() != ']' || host.size() < 3) return false;
        host = host.substr(1, host.size() - 2);
    }
    const std::string digits = text.substr(colon + 1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size() || value > 65535) return false;
    port = static_cast<unsigned short>(value);
    return true;
}

MetricsServer::MetricsServer(const std::string& host, unsigned short port, std::function<std::string()> scrape) {
    pool_ = std::make_unique<Poco::ThreadPool>(1, 2, 60);
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(2);
    params->setMaxQueued(16);
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(2, 0));
    params->setTimeout(Poco::Timespan(5, 0));
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress(host, port), 64);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(std::move(scrape)), *pool_, socket, params);
}

MetricsServer::~MetricsServer() { stop(); }

void MetricsServer::start() { server_->start(); }

void MetricsServer::stop() {
    if (server_) {
        server_->stopAll(true);
        server_.reset();
    }
    if (pool_) pool_->joinAll();
}

unsigned short MetricsServer::port() const { return server_->socket().address().port(); }

}  // namespace rsolv::metrics
