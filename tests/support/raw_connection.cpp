#include "support/raw_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cctype>
#include <cstring>
#include <regex>

namespace rsolv::test {

RawConnection::RawConnection(unsigned short port, int safety_timeout_seconds) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    timeval tv{safety_timeout_seconds, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

RawConnection::~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
}

RawConnection::RawConnection(RawConnection&& other) noexcept : fd_(other.fd_), pending_(std::move(other.pending_)) {
    other.fd_ = -1;
}

bool RawConnection::send(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += size_t(n);
    }
    return true;
}

std::string RawConnection::readUntilClosed(bool* closed) {
    std::string out = std::move(pending_);
    pending_.clear();
    char buf[16384];
    for (;;) {
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) {
            if (closed) *closed = true;
            return out;
        }
        if (n < 0) {
            if (closed) *closed = errno == ECONNRESET;
            return out;
        }
        out.append(buf, size_t(n));
    }
}

std::string RawConnection::readResponse() {
    char buf[16384];
    auto fill = [&] {
        for (;;) {
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            pending_.append(buf, size_t(n));
            return true;
        }
    };
    size_t head_end;
    while ((head_end = pending_.find("\r\n\r\n")) == std::string::npos)
        if (!fill()) return "";
    const std::string length = headerOf(pending_.substr(0, head_end + 4), "Content-Length");
    const size_t total = head_end + 4 + (length.empty() ? 0 : std::stoul(length));
    while (pending_.size() < total)
        if (!fill()) return "";
    std::string out = pending_.substr(0, total);
    pending_.erase(0, total);
    return out;
}

bool RawConnection::closedByServer() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n <= 0;
}

int statusOf(const std::string& response) {
    static const std::regex re(R"(^HTTP/1\.[01] (\d{3}) )");
    std::smatch m;
    if (!std::regex_search(response, m, re)) return 0;
    return std::stoi(m[1]);
}

int countResponses(const std::string& text) {
    static const std::regex re(R"(HTTP/1\.[01] \d{3} )");
    return int(std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()));
}

std::string headerOf(const std::string& response, const std::string& name) {
    const size_t head_end = response.find("\r\n\r\n");
    const std::string head = response.substr(0, head_end);
    size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos < head.size()) {
        const size_t start = pos + 2;
        size_t end = head.find("\r\n", start);
        if (end == std::string::npos) end = head.size();
        const std::string line = head.substr(start, end - start);
        const auto colon = line.find(':');
        if (colon != std::string::npos && colon == name.size() &&
            std::equal(name.begin(), name.end(), line.begin(),
                       [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
            std::string v = line.substr(colon + 1);
            while (!v.empty() && v.front() == ' ') v.erase(0, 1);
            return v;
        }
        pos = end;
    }
    return "";
}

}  // namespace rsolv::test
