#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "http/context.h"
#include "http/dispatcher.h"
#include "http/router.h"

namespace rsolv::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    unsigned short port = 4000;  ///< 0: any free port (tests)
    int io_threads = 2;          ///< read and write every connection (async; a connection costs no thread)
    int handler_threads = 32;    ///< run handlers, which block on the database
    size_t handler_queue = 1024;  ///< requests read and waiting for a handler thread; beyond it: 503
    std::chrono::milliseconds handler_queue_wait{5000};  ///< waited longer than this for a thread: 503
    int max_connections_per_ip = 256;  ///< open connections per peer address (trusted proxies exempt); 0: no cap
    /// No byte of a next request (keep-alive, or a new connection): closed after this plus a random fifth of it.
    std::chrono::seconds idle_timeout{5};
    std::chrono::seconds head_timeout{10};  ///< the whole head, from its first byte: else 408
    size_t body_min_bytes_per_second = 1024;  ///< the body's deadline: head_timeout + its length at this rate
    std::chrono::seconds write_timeout{30};
    size_t max_header_bytes = 16 * 1024;  ///< request line and fields: beyond it 431
    std::chrono::seconds shutdown_timeout{20};  ///< stop(): how long requests already read may take to be answered
};

/// The HTTP engine: Boost.Beast on Boost.Asio. A few I/O threads read and write every connection asynchronously; each
/// request, once read, runs on a bounded pool of handler threads through the Dispatcher. Deadlines on every phase and
/// a per-address connection cap keep slow or idle clients from holding anything but a socket and a buffer.
class HttpServer {
public:
    HttpServer(const Context& ctx, const Router& router, const ServerOptions& options);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    void start();
    /// Graceful: stops accepting, closes idle connections, answers every request already read (with
    /// `Connection: close`), then stops, within `shutdown_timeout`. Safe to call twice.
    void stop();
    unsigned short port() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace rsolv::http
