#include "http/server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <optional>
#include <thread>
#include <vector>

#include "http/connection.h"
#include "http/handler_pool.h"

namespace rsolv::http {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

/// The peer as text; an IPv4-mapped IPv6 peer counts as its IPv4 address.
std::string peerAddress(const tcp::socket& socket) {
    boost::system::error_code ec;
    auto address = socket.remote_endpoint(ec).address();
    if (ec) return "-";
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
    return address.to_string();
}

}  // namespace

struct HttpServer::Impl {
    Impl(const Context& ctx, const Router& router, const ServerOptions& opts)
        : options(opts),
          dispatcher(ctx, router),
          pool(std::max(1, opts.handler_threads), std::max<size_t>(1, opts.handler_queue), opts.handler_queue_wait),
          tracker(opts.max_connections_per_ip, ctx.web.trusted_proxies),
          engine{dispatcher, pool, options, tracker},
          io(std::max(1, opts.io_threads)),
          acceptor(net::make_strand(io)),
          retry_accept(acceptor.get_executor()) {
        tcp::resolver resolver(io);
        const auto endpoint = resolver.resolve(options.host, std::to_string(options.port))->endpoint();
        acceptor.open(endpoint.protocol());
        acceptor.set_option(net::socket_base::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen(net::socket_base::max_listen_connections);
    }

    void accept() {
        acceptor.async_accept(net::make_strand(io), [this](boost::system::error_code ec, tcp::socket socket) {
            if (engine.stopping || ec == net::error::operation_aborted) return;
            if (ec) {
                // Typically out of file descriptors: wait a moment rather than spin.
                spdlog::warn("accepting a connection failed: {}", ec.message());
                retry_accept.expires_after(std::chrono::milliseconds(100));
                retry_accept.async_wait([this](boost::system::error_code wait_ec) {
                    if (!wait_ec && !engine.stopping) accept();
                });
                return;
            }
            boost::system::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            std::string ip = peerAddress(socket);
            const bool admitted = tracker.admit(ip);
            auto connection = std::make_shared<Connection>(engine, std::move(socket), std::move(ip), admitted);
            if (admitted)
                connection->start();
            else
                connection->refuseOverCap();
            accept();
        });
    }

    // Declared so that the io_context (whose pending handlers own connections) is destroyed before what the
    // connections refer to.
    ServerOptions options;
    Dispatcher dispatcher;
    HandlerPool pool;
    ConnectionTracker tracker;
    Engine engine;
    net::io_context io;
    tcp::acceptor acceptor;
    net::steady_timer retry_accept;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
    std::vector<std::thread> threads;
    unsigned short bound_port = 0;
    bool stopped = false;
};

HttpServer::HttpServer(const Context& ctx, const Router& router, const ServerOptions& options)
    : impl_(std::make_unique<Impl>(ctx, router, options)) {
    impl_->bound_port = impl_->acceptor.local_endpoint().port();
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
    auto& d = *impl_;
    d.work.emplace(net::make_work_guard(d.io));
    net::post(d.acceptor.get_executor(), [&d] { d.accept(); });
    for (int i = 0; i < std::max(1, d.options.io_threads); ++i) d.threads.emplace_back([&d] { d.io.run(); });
}

void HttpServer::stop() {
    auto& d = *impl_;
    if (d.stopped) return;
    d.stopped = true;
    const auto deadline = std::chrono::steady_clock::now() + d.options.shutdown_timeout;
    d.engine.stopping = true;
    net::post(d.acceptor.get_executor(), [&d] {
        boost::system::error_code ignored;
        d.acceptor.close(ignored);
        d.retry_accept.cancel();
    });
    if (!d.threads.empty()) {
        for (const auto& c : d.tracker.live()) c->closeIfIdle();
        if (!d.tracker.waitUntilEmpty(deadline))
            spdlog::warn("shutdown: {} connection(s) still open after {} s, closing them",
                         d.tracker.live().size(), d.options.shutdown_timeout.count());
    }
    d.work.reset();
    d.io.stop();
    for (auto& t : d.threads)
        if (t.joinable()) t.join();
    d.threads.clear();
    d.pool.stop();
}

unsigned short HttpServer::port() const { return impl_->bound_port; }

}  // namespace rsolv::http
