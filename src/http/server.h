#pragma once

#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>

#include <memory>
#include <string>

#include "http/context.h"
#include "http/router.h"

namespace rsolv::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    unsigned short port = 4000;  ///< 0: any free port (tests)
    int threads = 32;            ///< one per open connection for its keep-alive life (POCO's model)
    int max_queued = 512;        ///< accepted connections waiting for a thread; beyond this POCO closes them
    int keep_alive_seconds = 3;
    int receive_timeout_seconds = 10;
};

/// POCO's HTTPServer on its own thread pool, with one dispatcher in front of every route: request id, body limits,
/// content-type and CSRF checks, the catch-all error table, security headers and the access log.
class HttpServer {
public:
    HttpServer(const Context& ctx, const Router& router, const ServerOptions& options);
    ~HttpServer();
    void start();
    void stop();
    unsigned short port() const;
    /// Connections POCO closed because its queue was full (watch it under load).
    int refusedConnections() const;

private:
    std::unique_ptr<Poco::ThreadPool> pool_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

/// Security headers for every response, error pages included (rules.md #9).
void applySecurityHeaders(Response& response, bool https);

}  // namespace rsolv::http
