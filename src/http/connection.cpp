#include "http/connection.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include <cctype>
#include <limits>
#include <random>
#include <string_view>

#include "http/http_error.h"

namespace rsolv::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

constexpr size_t kFirstRead = 2048;
constexpr size_t kMaxDrainBytes = 8 * 1024 * 1024;  ///< what a closing connection still reads so the answer arrives
constexpr auto kLingerTime = std::chrono::seconds(2);
const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

bool hasBodyMethod(const std::string& method) {
    return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

std::string str(beast::string_view v) { return std::string(v.data(), v.size()); }

/// The client went away or the connection was closed under us: nothing to answer.
bool clientGone(beast::error_code ec) {
    return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || ec == net::error::eof ||
           ec == net::error::operation_aborted || ec == net::error::connection_reset || ec == net::error::broken_pipe ||
           ec == net::error::bad_descriptor;
}

/// The idle deadline of one connection: `idle` plus a random part of up to a fifth of it. Connections opened together
/// (clients reconnecting after a restart, a burst of new clients) are then not all closed, and reopened, in the same
/// instant: a storm of 10,000 closes and reconnects at once delayed every other connection by hundreds of milliseconds.
Clock::duration idleDeadline(std::chrono::seconds idle) {
    thread_local std::minstd_rand random(std::random_device{}());
    const auto spread = std::chrono::duration_cast<std::chrono::milliseconds>(idle) / 5;
    if (spread.count() <= 0) return idle;
    return idle + std::chrono::milliseconds(std::uniform_int_distribution<long>(0, spread.count() - 1)(random));
}

/// Beast refuses every version but 1.0 and 1.1 as malformed; a well-formed "HTTP/d.d" of another version, at the end
/// of a request line ending in CRLF, is 505.
bool wellFormedVersion(const beast::flat_buffer& buffer) {
    const auto data = buffer.data();
    const std::string_view text(static_cast<const char*>(data.data()), data.size());
    const auto lf = text.find('\n');
    if (lf == std::string_view::npos || lf < 10 || text[lf - 1] != '\r') return false;
    const std::string_view v = text.substr(lf - 10, 9);
    return v[0] == ' ' && v.substr(1, 5) == "HTTP/" && std::isdigit(static_cast<unsigned char>(v[6])) && v[7] == '.' &&
           std::isdigit(static_cast<unsigned char>(v[8]));
}

}  // namespace

// ------------------------------------------------------------------------------------------------------ the tracker

bool ConnectionTracker::admit(const std::string& ip) {
    if (max_per_ip_ <= 0) return true;
    for (const auto& cidr : exempt_)
        if (cidr.contains(ip)) return true;
    std::lock_guard lock(mutex_);
    int& n = per_ip_[ip];
    if (n >= max_per_ip_) {
        if (n == 0) per_ip_.erase(ip);
        return false;
    }
    ++n;
    return true;
}

void ConnectionTracker::add(Connection* connection, std::weak_ptr<Connection> handle) {
    std::lock_guard lock(mutex_);
    live_.emplace(connection, std::move(handle));
}

void ConnectionTracker::remove(Connection* connection, const std::string& ip, bool counted) {
    std::lock_guard lock(mutex_);
    live_.erase(connection);
    if (counted) {
        const auto it = per_ip_.find(ip);
        if (it != per_ip_.end() && --it->second <= 0) per_ip_.erase(it);
    }
    if (live_.empty()) empty_.notify_all();
}

std::vector<std::shared_ptr<Connection>> ConnectionTracker::live() {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<Connection>> out;
    for (const auto& [raw, weak] : live_)
        if (auto c = weak.lock()) out.push_back(std::move(c));
    return out;
}

bool ConnectionTracker::waitUntilEmpty(Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    return empty_.wait_until(lock, deadline, [&] { return live_.empty(); });
}

// --------------------------------------------------------------------------------------------------- the connection

Connection::Connection(Engine& engine, net::ip::tcp::socket socket, std::string peer_ip, bool counted)
    : engine_(engine),
      stream_(std::move(socket)),
      deadline_timer_(stream_.get_executor()),
      peer_ip_(std::move(peer_ip)),
      counted_(counted) {}

/// A deadline that cancels the pending read instead of closing the socket (as the stream's own timeout would), so
/// the client can still be told 408.
void Connection::armDeadline(Clock::time_point at) {
    timed_out_ = false;
    deadline_timer_.expires_at(at);
    deadline_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (ec) return;  // cancelled: the read finished in time
        self->timed_out_ = true;
        beast::error_code ignored;
        self->stream_.socket().cancel(ignored);
    });
}

Connection::~Connection() { engine_.tracker.remove(this, peer_ip_, counted_); }

void Connection::start() {
    engine_.tracker.add(this, weak_from_this());
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->awaitRequest(); });
}

void Connection::refuseOverCap() {
    engine_.tracker.add(this, weak_from_this());
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
        self->call_.emplace(self->engine_.dispatcher.begin(self->peer_ip_));
        self->refuseAndClose(503, "too_many_connections",
                             "Too many connections from your address. Please try again in a moment.");
    });
}

void Connection::closeIfIdle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
        if (!self->busy_) self->close();
    });
}

void Connection::awaitRequest() {
    busy_ = false;
    call_.reset();
    body_.reset();
    if (engine_.stopping) return close();
    head_.emplace();
    head_->header_limit(static_cast<std::uint32_t>(engine_.options.max_header_bytes));
    head_->body_limit(std::numeric_limits<std::uint64_t>::max());  // the body limit is the Dispatcher's (413)
    if (buffer_.size() > 0) return readHead();  // a pipelined request is already here
    stream_.expires_after(idleDeadline(engine_.options.idle_timeout));
    stream_.async_read_some(buffer_.prepare(kFirstRead),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                if (ec) return self->close();  // idle too long, client left, or shutdown
                                self->buffer_.commit(n);
                                self->readHead();
                            });
}

void Connection::readHead() {
    stream_.expires_never();
    armDeadline(Clock::now() + engine_.options.head_timeout);
    bhttp::async_read_header(stream_, buffer_, *head_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        self->onHead(ec);
    });
}

void Connection::onHead(beast::error_code ec) {
    deadline_timer_.cancel();
    call_.emplace(engine_.dispatcher.begin(peer_ip_));
    if (ec) {
        if (timed_out_)
            return refuseAndClose(408, "request_timeout", "The request took too long to arrive.");
        if (clientGone(ec)) return close();
        if (ec == beast::error::timeout)
            return refuseAndClose(408, "request_timeout", "The request took too long to arrive.");
        if (ec == bhttp::error::header_limit)
            return refuseAndClose(431, "header_too_large", "The request's headers are too large.");
        if (ec == bhttp::error::bad_version && wellFormedVersion(buffer_))
            return refuseAndClose(505, "http_version_not_supported", "This server speaks HTTP/1.1.");
        return refuseAndClose(400, "bad_request", "The request is malformed.");
    }
    const auto& req = head_->get();
    version_ = req.version() == 10 ? 10 : 11;
    if (req.version() != 10 && req.version() != 11) {
        version_ = 11;
        return refuseAndClose(505, "http_version_not_supported", "This server speaks HTTP/1.1.");
    }
    if (auto refused = checkFraming()) {
        call_->close_after = true;
        return respond(std::move(*refused));
    }
    keep_alive_ = req.keep_alive();
    RequestHead head;
    head.method = str(req.method_string());
    head.target = str(req.target());
    for (const auto& f : req) head.fields.emplace_back(str(f.name_string()), str(f.value()));
    if (const auto length = head_->content_length()) head.content_length = *length;
    head.chunked = head_->chunked();
    const bool body_follows = (head.content_length && *head.content_length > 0) || head.chunked;
    const bool send_continue = beast::iequals(req[bhttp::field::expect], "100-continue");
    const bool reads_body = body_follows && hasBodyMethod(head.method);
    if (auto early = engine_.dispatcher.route(*call_, std::move(head))) {
        if (body_follows) call_->close_after = true;  // the body stays unread
        return respond(std::move(*early));
    }
    if (reads_body) return readBody(send_continue);
    if (body_follows) call_->close_after = true;  // a body on GET: unread, so this connection cannot go on
    dispatch();
}

std::optional<Response> Connection::checkFraming() {
    const auto& req = head_->get();
    const auto lengths = req.count(bhttp::field::content_length);
    const auto value = req[bhttp::field::content_length];
    const bool has_te = req.count(bhttp::field::transfer_encoding) > 0;
    std::string why;
    if (lengths > 1 || value.find(',') != beast::string_view::npos)
        why = "The request has more than one Content-Length.";
    else if (has_te && lengths > 0)
        why = "The request has both Content-Length and Transfer-Encoding.";
    else if (has_te && !head_->chunked())
        why = "The only Transfer-Encoding accepted is chunked.";
    if (why.empty()) return std::nullopt;
    return engine_.dispatcher.refuse(*call_, 400, "bad_request", why);
}

void Connection::readBody(bool send_continue) {
    body_.emplace(std::move(*head_));
    head_.reset();
    const auto limit = engine_.dispatcher.maxBodyBytes();
    body_->body_limit(limit);
    const auto declared = body_->content_length().value_or(limit);
    deadline_ = Clock::now() + engine_.options.head_timeout +
                std::chrono::seconds(declared / std::max<size_t>(1, engine_.options.body_min_bytes_per_second));
    auto read = [self = shared_from_this()] {
        self->stream_.expires_never();
        self->armDeadline(self->deadline_);
        bhttp::async_read(self->stream_, self->buffer_, *self->body_,
                          [self](beast::error_code ec, std::size_t) { self->onBody(ec); });
    };
    if (!send_continue) return read();
    stream_.expires_at(deadline_);
    net::async_write(stream_, net::buffer(kContinue), [self = shared_from_this(), read](beast::error_code ec, std::size_t) {
        if (ec) return self->close();
        read();
    });
}

void Connection::onBody(beast::error_code ec) {
    deadline_timer_.cancel();
    if (ec) {
        if (timed_out_) return refuseAndClose(408, "request_timeout", "The request took too long to arrive.");
        if (ec == bhttp::error::body_limit) {
            const auto limit = std::to_string(engine_.dispatcher.maxBodyBytes());
            return refuseAndClose(413, "payload_too_large", "The request body is larger than " + limit + " bytes.");
        }
        if (clientGone(ec)) return close();
        if (ec == beast::error::timeout)
            return refuseAndClose(408, "request_timeout", "The request took too long to arrive.");
        return refuseAndClose(400, "bad_request", "The request body is malformed.");
    }
    call_->request.body = std::move(body_->get().body());
    dispatch();
}

void Connection::dispatch() {
    busy_ = true;  // read in full: from here on, shutdown waits for its answer
    stream_.expires_never();
    auto self = shared_from_this();
    const bool queued = engine_.pool.submit([self](bool waited_too_long) {
        Response r = waited_too_long ? self->overloaded() : self->engine_.dispatcher.handle(*self->call_);
        net::post(self->stream_.get_executor(),
                  [self, r = std::move(r)]() mutable { self->respond(std::move(r)); });
    });
    if (!queued) respond(overloaded());
}

Response Connection::overloaded() {
    return engine_.dispatcher.refuse(*call_, 503, "overloaded",
                                     "The service is busy. Please try again in a moment.", {{"Retry-After", "1"}});
}

void Connection::refuseAndClose(int status, const std::string& code, const std::string& message) {
    call_->close_after = true;
    std::vector<std::pair<std::string, std::string>> headers;
    if (status == 503) headers.emplace_back("Retry-After", "1");
    respond(engine_.dispatcher.refuse(*call_, status, code, message, std::move(headers)));
}

void Connection::respond(Response response) {
    busy_ = true;
    engine_.dispatcher.finish(*call_, response);
    const bool keep_alive = keep_alive_ && !call_->close_after && !engine_.stopping;
    out_ = std::make_shared<bhttp::response<bhttp::string_body>>();
    auto& out = *out_;
    out.version(version_);
    out.result(static_cast<unsigned>(response.status));
    out.reason(reasonPhrase(response.status));
    out.set(bhttp::field::content_type, response.content_type);
    for (const auto& [k, v] : response.headers) out.insert(k, v);
    status_ = response.status;
    bytes_ = response.body.size();
    if (call_->request.method != "HEAD") out.body() = std::move(response.body);
    out.content_length(bytes_);
    out.keep_alive(keep_alive);
    stream_.expires_after(engine_.options.write_timeout);
    bhttp::async_write(stream_, out, [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
        self->onWritten(ec, keep_alive);
    });
}

void Connection::onWritten(beast::error_code ec, bool keep_alive) {
    engine_.dispatcher.logFinished(*call_, status_, bytes_);
    out_.reset();
    if (ec) return close();
    if (!keep_alive) return lingerAndClose();
    awaitRequest();
}

/// Closing with unread bytes in the socket makes the kernel send a reset, which can destroy the answer before the
/// client reads it: stop sending, then read and discard for a short while (bounded in bytes and time).
void Connection::lingerAndClose() {
    lingering_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    deadline_ = Clock::now() + kLingerTime;
    drained_ = 0;
    drain();
}

void Connection::drain() {
    stream_.expires_at(deadline_);
    stream_.async_read_some(net::buffer(drain_buffer_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
        self->drained_ += n;
        if (ec || self->drained_ > kMaxDrainBytes) return self->close();
        self->drain();
    });
}

void Connection::close() {
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
}

}  // namespace rsolv::http
