#include "mail/smtp_mailer.h"

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include <Poco/Environment.h>
#include <Poco/Net/DialogSocket.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

#include "mail/message.h"

namespace rsolv::mail {
namespace {

using Kind = SendResult::Kind;
using Transport = MailSettings::Transport;

constexpr std::size_t kMaxDetail = 300;

/// One line for logs: multi-line replies joined with " | ", trimmed, bounded.
std::string oneLine(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\r') continue;
        if (c == '\n') {
            out += " | ";
        } else {
            out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
        }
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == '|')) out.pop_back();
    if (out.size() > kMaxDetail) out.resize(kMaxDetail);
    return out;
}

/// 2xx Sent, 4xx Transient, 5xx Permanent; anything else (no reply, a 3xx where 2xx was due) is Transient.
SendResult classify(int status, const std::string& reply) {
    if (status >= 200 && status < 300) return {Kind::Sent, oneLine(reply)};
    if (status >= 400 && status < 500) return {Kind::Transient, oneLine(reply)};
    if (status >= 500 && status < 600) return {Kind::Permanent, oneLine(reply)};
    if (status <= 0) return {Kind::Transient, "connection closed by the server"};
    return {Kind::Transient, "unexpected reply: " + oneLine(reply)};
}

/// After these the server is gone or going (421 = closing the channel): the batch cannot go on.
bool endsConnection(int status) { return status <= 0 || status == 421; }

/// Lines are CRLF-terminated (renderMessage); a line starting with '.' gets a second one (RFC 5321 4.5.2).
std::string dotStuffed(const std::string& message) {
    std::string out;
    out.reserve(message.size() + 16);
    bool line_start = true;
    for (char c : message) {
        if (line_start && c == '.') out += '.';
        out += c;
        line_start = c == '\n';
    }
    if (!line_start) out += "\r\n";
    out += ".\r\n";
    return out;
}

/// POCO's session with access to the pieces a per-message conversation needs.
///
/// STARTTLS is done here instead of with SecureSMTPClientSession::startTLS(): in POCO 1.11 that verifies the
/// certificate against (and sends SNI for) the host given to the (host, port) constructor, which connects with no
/// timeout; the StreamSocket constructor, which we need for the connect timeout, leaves that host empty. Same steps,
/// same meaning of the return value: false means the server refused STARTTLS and nothing may be sent.
class SmtpSession final : public Poco::Net::SMTPClientSession {
public:
    explicit SmtpSession(const Poco::Net::StreamSocket& socket) : SMTPClientSession(socket) {}

    bool startTls(const std::string& peer_host, Poco::Net::Context::Ptr context, std::string& reply) {
        const int status = sendCommand("STARTTLS", reply);
        if (status < 200 || status >= 300) return false;
        socket() = Poco::Net::SecureStreamSocket::attach(socket(), peer_host, context);
        return true;
    }

    void authPlain(const std::string& user, const std::string& password) { loginUsingPlain(user, password); }
    void authLogin(const std::string& user, const std::string& password) { loginUsingLogin(user, password); }

    /// Sends the DATA payload and returns the server's verdict on it.
    int sendData(const std::string& payload, std::string& reply) {
        std::size_t sent = 0;
        while (sent < payload.size()) {
            const int n = socket().sendBytes(payload.data() + sent, static_cast<int>(payload.size() - sent));
            if (n <= 0) throw Poco::Net::ConnectionResetException("connection closed while sending the message");
            sent += static_cast<std::size_t>(n);
        }
        return socket().receiveStatusMessage(reply);
    }

    /// Drops the connection without QUIT (it is broken or timed out; QUIT would only wait again).
    void abort() noexcept {
        try {
            socket().close();
        } catch (...) {
        }
    }
};

std::string bracketed(const std::string& host) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

/// What went wrong before any message could be handed over: every message of the batch gets this Unavailable result.
struct SetupFailure {
    std::string detail;
};

}  // namespace

/// One open SMTP session, past EHLO (and STARTTLS, AUTH), between transactions.
class SmtpMailer::Connection {
public:
    explicit Connection(std::unique_ptr<SmtpSession> session) : session(std::move(session)) {}
    ~Connection() {
        if (session) session->abort();
    }
    /// QUIT, then close; never throws.
    void quit() {
        try {
            session->close();
        } catch (...) {
            session->abort();
        }
        session.reset();
    }
    std::unique_ptr<SmtpSession> session;
    std::chrono::steady_clock::time_point idle_since = std::chrono::steady_clock::now();
};

struct SmtpMailer::Opened {
    std::unique_ptr<Connection> connection;
    std::string failure;  ///< set when connection is null
};

SmtpMailer::SmtpMailer(MailSettings settings) : settings_(std::move(settings)) {
    if (settings_.transport == Transport::File) throw std::invalid_argument("SmtpMailer needs an SMTP transport");
    if (settings_.host.empty()) throw std::invalid_argument("SMTP host is empty");
    if (!isSafeAddress(settings_.from_address)) throw std::invalid_argument("mail from address is missing or invalid");
    if (!settings_.reply_to.empty() && !isSafeAddress(settings_.reply_to))
        throw std::invalid_argument("mail reply-to address is invalid");
    if (settings_.transport != Transport::Smtp) {
        Poco::Net::initializeSSL();
        Poco::Net::Context::Params params;
        params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;  // a client: verify the server's chain
        params.loadDefaultCAs = true;
        tls_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
        tls_->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    }
}

SmtpMailer::~SmtpMailer() {
    for (auto& c : idle_) c->quit();
    idle_.clear();
    if (tls_) {
        tls_.reset();
        Poco::Net::uninitializeSSL();
    }
}

std::string SmtpMailer::describe() const {
    std::string scheme = "smtp";
    if (settings_.transport == Transport::SmtpStartTls) scheme = "smtp+starttls";
    if (settings_.transport == Transport::Smtps) scheme = "smtps";
    std::string user = settings_.username.empty() ? "" : settings_.username + "@";
    return scheme + "://" + user + bracketed(settings_.host) + ":" + std::to_string(settings_.port);
}


SmtpMailer::Opened SmtpMailer::open() {
    const std::string where = bracketed(settings_.host) + ":" + std::to_string(settings_.port);
    // Connect with the connect timeout; every later read and write has the I/O timeout.
    std::unique_ptr<SmtpSession> session;
    try {
        const Poco::Timespan connect_timeout(settings_.connect_timeout_seconds, 0);
        const Poco::Timespan io_timeout(settings_.io_timeout_seconds, 0);
        const Poco::Net::SocketAddress address(settings_.host, settings_.port);
        Poco::Net::StreamSocket socket;
        if (settings_.transport == Transport::Smtps) {
            Poco::Net::SecureStreamSocket secure(tls_);
            secure.setPeerHostName(settings_.host);
            secure.connect(address, connect_timeout);  // includes the TLS handshake and certificate check
            socket = secure;
        } else {
            socket.connect(address, connect_timeout);
        }
        socket.setReceiveTimeout(io_timeout);
        socket.setSendTimeout(io_timeout);
        session = std::make_unique<SmtpSession>(socket);
        session->setTimeout(io_timeout);
    } catch (const Poco::Exception& e) {
        return {nullptr, "connection to " + where + " failed: " + oneLine(e.displayText())};
    } catch (const std::exception& e) {
        return {nullptr, "connection to " + where + " failed: " + oneLine(e.what())};
    }

    // Greeting, EHLO, STARTTLS, AUTH.
    auto setup = [&]() -> std::optional<SetupFailure> {
        const std::string helo_name = Poco::Environment::nodeName();
        std::string reply;
        auto ehlo = [&]() -> std::optional<SetupFailure> {
            int status = session->sendCommand("EHLO", helo_name, reply);
            if (status >= 500 && status < 600) status = session->sendCommand("HELO", helo_name, reply);
            if (status < 200 || status >= 300) return SetupFailure{"EHLO rejected: " + oneLine(reply)};
            return std::nullopt;
        };
        try {
            session->open();
        } catch (const Poco::Net::SMTPException& e) {
            return SetupFailure{"server refused the session: " + oneLine(e.message())};
        }
        if (auto failure = ehlo()) return failure;
        bool encrypted = settings_.transport == Transport::Smtps;
        if (settings_.transport == Transport::SmtpStartTls) {
            std::string tls_reply;
            if (!session->startTls(settings_.host, tls_, tls_reply))
                return SetupFailure{"STARTTLS refused by " + where + ": " + oneLine(tls_reply)};
            encrypted = true;
            if (auto failure = ehlo()) return failure;  // RFC 3207: forget what was said in clear
        }
        if (!settings_.username.empty()) {
            if (!encrypted && !isLoopbackHost(settings_.host))
                return SetupFailure{"refusing to send credentials to " + where + " without TLS"};
            // The EHLO reply lists the mechanisms, e.g. "250-AUTH LOGIN PLAIN".
            std::string mechanisms;
            for (std::size_t pos = reply.find("AUTH"); pos != std::string::npos; pos = reply.find("AUTH", pos + 4)) {
                const std::size_t end = reply.find('\n', pos);
                mechanisms += " " + reply.substr(pos, end == std::string::npos ? std::string::npos : end - pos) + " ";
            }
            try {
                if (mechanisms.find(" PLAIN") != std::string::npos) {
                    session->authPlain(settings_.username, settings_.password);
                } else if (mechanisms.find(" LOGIN") != std::string::npos) {
                    session->authLogin(settings_.username, settings_.password);
                } else {
                    return SetupFailure{"server offers no AUTH PLAIN or LOGIN"};
                }
            } catch (const Poco::Net::SMTPException& e) {
                return SetupFailure{"authentication failed: " + oneLine(e.message())};
            }
        }
        return std::nullopt;
    };
    try {
        if (auto failure = setup()) {
            try {
                session->close();  // QUIT: the server answered, it just would not go on
            } catch (...) {
                session->abort();
            }
            return {nullptr, failure->detail};
        }
    } catch (const Poco::TimeoutException& e) {
        session->abort();
        return {nullptr, "timeout talking to " + where + ": " + oneLine(e.displayText())};
    } catch (const Poco::Exception& e) {
        session->abort();
        return {nullptr, "connection to " + where + " lost: " + oneLine(e.displayText())};
    } catch (const std::exception& e) {
        session->abort();
        return {nullptr, "connection to " + where + " lost: " + oneLine(e.what())};
    }
    return {std::make_unique<Connection>(std::move(session)), {}};
}

/// An idle connection (`reused`), or a free slot for a new one (null, `reused` false); waits while every slot is busy.
std::unique_ptr<SmtpMailer::Connection> SmtpMailer::acquire(bool& reused) {
    std::unique_lock lock(mutex_);
    slot_free_.wait(lock, [&] { return !idle_.empty() || open_ < std::max(1, settings_.max_connections); });
    if (!idle_.empty()) {
        auto connection = std::move(idle_.back());
        idle_.pop_back();
        reused = true;
        return connection;
    }
    ++open_;
    reused = false;
    return nullptr;
}

void SmtpMailer::giveBack(std::unique_ptr<Connection> connection) {
    connection->idle_since = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mutex_);
        idle_.push_back(std::move(connection));
    }
    slot_free_.notify_one();
}

void SmtpMailer::dropSlot() {
    {
        std::lock_guard lock(mutex_);
        --open_;
    }
    slot_free_.notify_one();
}

void SmtpMailer::closeIdle() {
    std::vector<std::unique_ptr<Connection>> stale;
    {
        std::lock_guard lock(mutex_);
        const auto limit = std::chrono::steady_clock::now() - std::chrono::seconds(settings_.keep_idle_seconds);
        for (auto it = idle_.begin(); it != idle_.end();) {
            if ((*it)->idle_since <= limit) {
                stale.push_back(std::move(*it));
                it = idle_.erase(it);
                --open_;
            } else {
                ++it;
            }
        }
    }
    for (auto& c : stale) c->quit();
    if (!stale.empty()) slot_free_.notify_all();
}

bool SmtpMailer::probe() {
    closeIdle();
    bool reused = false;
    auto connection = acquire(reused);
    if (reused) {
        giveBack(std::move(connection));
        return true;  // a connection that is open, and it is checked with RSET before its next use
    }
    auto opened = open();
    if (!opened.connection) {
        dropSlot();
        return false;
    }
    giveBack(std::move(opened.connection));
    return true;
}

std::vector<SendResult> SmtpMailer::send(const std::vector<EmailMessage>& batch) {
    std::vector<SendResult> results(batch.size(), SendResult{Kind::Unavailable, "not attempted"});
    std::vector<std::string> payloads(batch.size());
    std::vector<std::size_t> pending;  // indexes of messages that rendered
    const auto now = std::chrono::system_clock::now();
    for (std::size_t i = 0; i < batch.size(); ++i) {
        try {
            payloads[i] = dotStuffed(renderMessage(settings_, batch[i], now));
            pending.push_back(i);
        } catch (const std::exception& e) {
            results[i] = {Kind::Permanent, std::string("invalid message: ") + e.what()};
        }
    }
    if (pending.empty()) return results;

    const std::string where = bracketed(settings_.host) + ":" + std::to_string(settings_.port);
    auto failFrom = [&](std::size_t first, Kind kind, const std::string& detail) {
        for (std::size_t k = first; k < pending.size(); ++k) results[pending[k]] = {kind, detail};
    };

    closeIdle();
    bool reused = false;
    std::unique_ptr<Connection> connection = acquire(reused);
    if (reused) {
        // A clean slate, and proof the server still listens (it may have closed an idle connection).
        std::string reply;
        int rset = 0;
        try {
            rset = connection->session->sendCommand("RSET", reply);
        } catch (...) {
            rset = 0;
        }
        if (rset < 200 || rset >= 300) {
            connection.reset();
            reused = false;
        }
    }
    if (!connection) {
        auto opened = open();
        if (!opened.connection) {
            dropSlot();
            failFrom(0, Kind::Unavailable, opened.failure);
            return results;
        }
        connection = std::move(opened.connection);
    }
    SmtpSession& session = *connection->session;

    std::size_t next = 0;  // position in `pending` of the message being handed over
    auto lost = [&](Kind in_flight, const std::string& detail) {
        failFrom(next, in_flight, detail);
        failFrom(next + 1, Kind::Unavailable, detail);
        connection.reset();  // aborts
        dropSlot();
        return results;
    };
    try {
        const std::string mail_from = "MAIL FROM:<" + settings_.from_address + ">";
        for (; next < pending.size(); ++next) {
            const std::size_t i = pending[next];
            if (next > 0) {
                std::string rset_reply;
                const int rset = session.sendCommand("RSET", rset_reply);
                if (rset < 200 || rset >= 300)
                    return lost(Kind::Unavailable, "RSET failed: " + oneLine(rset_reply));
            }
            std::string reply;
            int status = session.sendCommand(mail_from, reply);
            if (status >= 200 && status < 300) {
                status = session.sendCommand("RCPT TO:<" + batch[i].to_address + ">", reply);
                if (status >= 200 && status < 300) {
                    status = session.sendCommand("DATA", reply);
                    if (status >= 300 && status < 400) {
                        status = session.sendData(payloads[i], reply);
                        results[i] = classify(status, reply);
                        if (endsConnection(status)) break;
                        continue;
                    }
                    if (status >= 200 && status < 300) {  // 2xx to DATA: the dialogue is out of step
                        results[i] = {Kind::Transient, "unexpected reply to DATA: " + oneLine(reply)};
                        break;
                    }
                }
            }
            // MAIL FROM, RCPT TO or DATA refused: this message's verdict; the RSET before the next one cleans up.
            results[i] = classify(status, reply);
            if (endsConnection(status)) break;
        }
        if (next < pending.size()) {  // the server ended the conversation
            failFrom(next + 1, Kind::Unavailable, "not sent: the SMTP conversation with " + where + " ended early");
            connection.reset();
            dropSlot();
            return results;
        }
    } catch (const Poco::TimeoutException& e) {
        return lost(Kind::Transient, "timeout talking to " + where + ": " + oneLine(e.displayText()));
    } catch (const Poco::Exception& e) {
        return lost(Kind::Transient, "connection to " + where + " lost: " + oneLine(e.displayText()));
    } catch (const std::exception& e) {
        return lost(Kind::Transient, "connection to " + where + " lost: " + oneLine(e.what()));
    }
    // Kept open for the next send (RSET first); closeIdle() ends it with QUIT when nothing more comes.
    giveBack(std::move(connection));
    return results;
}

}  // namespace rsolv::mail
