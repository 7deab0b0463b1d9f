#pragma once
// A plain TCP connection to the server under test, for what an HTTP client library would never send: malformed
// framing, half-sent heads, idle sockets. Every read has a generous safety timeout so a hung server fails the test
// instead of hanging it; no test asserts on time.

#include <string>

namespace rsolv::test {

class RawConnection {
public:
    /// Connects to 127.0.0.1:port; `ok()` is false when the connection could not be made.
    explicit RawConnection(unsigned short port, int safety_timeout_seconds = 30);
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;
    RawConnection(RawConnection&& other) noexcept;

    bool ok() const { return fd_ >= 0; }
    bool send(const std::string& bytes);
    /// Everything the server sends until it closes the connection; `closed` says whether it did (false: the safety
    /// timeout ran out first, or the connection was reset).
    std::string readUntilClosed(bool* closed = nullptr);
    /// One response: head and, from Content-Length, its body ("" on a timeout or close before a full head).
    std::string readResponse();
    /// True when the server has closed (or reset) the connection and sent nothing; false when it is still open and
    /// silent. Does not wait.
    bool closedByServer();

private:
    int fd_ = -1;
    std::string pending_;
};

/// "HTTP/1.1 400 Bad Request\r\n..." -> 400; 0 when the text does not start with a status line.
int statusOf(const std::string& response);
/// How many status lines ("HTTP/1.x NNN") the text holds: how many responses the server sent.
int countResponses(const std::string& text);
/// The value of a response header (case-insensitive name), "" if absent.
std::string headerOf(const std::string& response, const std::string& name);

}  // namespace rsolv::test
