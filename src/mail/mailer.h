#pragma once

#include <string>
#include <utility>
#include <vector>

namespace rsolv::mail {

/// One email to one person. Every text field is UTF-8; renderMessage() encodes what needs encoding and rejects
/// (std::invalid_argument) what could break the message apart.
struct EmailMessage {
    std::string to_address;  ///< ASCII (IDN already punycoded), checked again before use: one '@', no CR/LF/NUL
    std::string to_name;     ///< display name, may be empty; RFC 2047 encoded, control characters become spaces
    std::string subject;     ///< RFC 2047 encoded when not short plain ASCII; control characters become spaces
    std::string text_body;
    std::string html_body;   ///< empty: the message is a single text/plain part
    std::string message_id;  ///< "<left@right>", stable per customer and kind of email, so a resend is recognisable
    /// Extra headers such as List-Unsubscribe: names [A-Za-z0-9-]+, values printable ASCII without CR/LF.
    std::vector<std::pair<std::string, std::string>> headers;
};

struct SendResult {
    /// Unavailable: the transport could not be reached or refused the session before this message was handed over
    /// (no connection, greeting, EHLO, STARTTLS or AUTH failed, or a transport's circuit breaker is open): not the
    /// message's fault, so it waits without spending an attempt.
    enum class Kind { Sent, Transient, Permanent, Unavailable };
    Kind kind;
    std::string detail;  ///< for logs and events, e.g. "451 4.3.0 Try again later"; never credentials
};

/// A way to deliver email. Only job workers call it (never a request handler).
class Mailer {
public:
    virtual ~Mailer() = default;
    /// Sends a batch over one connection (SMTP) and returns one result per message, in order. Does not throw.
    virtual std::vector<SendResult> send(const std::vector<EmailMessage>& batch) = 0;
    /// For logs: transport and destination, never the password.
    virtual std::string describe() const = 0;
    /// Whether the server takes sessions now (SMTP: connect, EHLO, QUIT). Does not throw.
    virtual bool probe() { return true; }
    /// False while no mail can go out through this transport (its breaker is open): callers leave mail waiting.
    /// May probe the server when a probe is due.
    virtual bool ready() { return true; }
    /// Closes connections kept open for reuse that have been idle too long (called often; cheap).
    virtual void closeIdle() {}
};

}  // namespace rsolv::mail
