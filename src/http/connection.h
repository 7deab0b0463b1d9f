#pragma once
// The engine's inside (server.cpp and connection.cpp only): one Connection per accepted socket, driven by Beast on an
// Asio strand, and the tracker that caps connections per address and lets shutdown reach every live one.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/client_ip.h"
#include "http/dispatcher.h"
#include "http/handler_pool.h"
#include "http/server.h"

namespace rsolv::http {

class Connection;

/// Who is connected: the per-address counts behind the cap (trusted proxies exempt), and every live connection, so
/// that shutdown can close the idle ones and wait for the rest.
class ConnectionTracker {
public:
    ConnectionTracker(int max_per_ip, std::vector<Cidr> exempt) : max_per_ip_(max_per_ip), exempt_(std::move(exempt)) {}

    /// Counts a new connection from `ip`; false (and not counted) when the address already holds its cap.
    bool admit(const std::string& ip);
    void add(Connection* connection, std::weak_ptr<Connection> handle);
    /// Called by a connection's destructor; `counted` when admit() counted it.
    void remove(Connection* connection, const std::string& ip, bool counted);
    std::vector<std::shared_ptr<Connection>> live();
    /// True when every connection ended before the deadline.
    bool waitUntilEmpty(std::chrono::steady_clock::time_point deadline);

private:
    const int max_per_ip_;
    const std::vector<Cidr> exempt_;
    std::mutex mutex_;
    std::condition_variable empty_;
    std::unordered_map<std::string, int> per_ip_;
    std::map<Connection*, std::weak_ptr<Connection>> live_;
};

/// What every connection shares.
struct Engine {
    const Dispatcher& dispatcher;
    HandlerPool& pool;
    const ServerOptions& options;
    ConnectionTracker& tracker;
    std::atomic<bool> stopping{false};
};

/// One client connection: waits for a request (idle deadline), reads its head (head deadline, size cap), checks its
/// framing, lets the Dispatcher route it, reads the body (a deadline from a minimum rate), hands it to the handler
/// pool, writes the answer and either waits for the next request or closes (draining what the client still sends).
class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(Engine& engine, boost::asio::ip::tcp::socket socket, std::string peer_ip, bool counted);
    ~Connection();

    /// Serves requests until the client leaves, a deadline passes or the server stops.
    void start();
    /// Answers 503 at once and closes: the address holds too many connections.
    void refuseOverCap();
    /// Shutdown: closes the connection unless a request on it was already read (that one is answered first).
    void closeIfIdle();

private:
    using HeadParser = boost::beast::http::request_parser<boost::beast::http::empty_body>;
    using BodyParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

    void awaitRequest();
    void armDeadline(std::chrono::steady_clock::time_point at);
    void readHead();
    void onHead(boost::beast::error_code ec);
    /// The framing rules Beast does not enforce itself; an answer when they are broken.
    std::optional<Response> checkFraming();
    void readBody(bool send_continue);
    void onBody(boost::beast::error_code ec);
    void dispatch();
    Response overloaded();
    void refuseAndClose(int status, const std::string& code, const std::string& message);
    void respond(Response response);
    void onWritten(boost::beast::error_code ec, bool keep_alive);
    void lingerAndClose();
    void drain();
    void close();

    Engine& engine_;
    boost::beast::tcp_stream stream_;
    boost::asio::steady_timer deadline_timer_;
    bool timed_out_ = false;
    boost::beast::flat_buffer buffer_;
    const std::string peer_ip_;
    const bool counted_;
    std::optional<HeadParser> head_;
    std::optional<BodyParser> body_;
    std::optional<Call> call_;
    unsigned version_ = 11;
    bool keep_alive_ = false;
    bool busy_ = false;  ///< a request on this connection is read in full, being handled or being answered
    bool lingering_ = false;
    int status_ = 0;
    size_t bytes_ = 0;
    std::shared_ptr<boost::beast::http::response<boost::beast::http::string_body>> out_;
    std::array<char, 4096> drain_buffer_{};
    size_t drained_ = 0;
    std::chrono::steady_clock::time_point deadline_{};
};

}  // namespace rsolv::http
