// Slow-connection load on a running `rsolv serve`, from loopback, bounded in count and time: N idle connections
// (reopened when the server closes them) and M connections that send one header byte every few seconds (reopened
// after their 408), while /healthz and a full signup (GET /signup, POST /signup) are timed, and the server's RSS is
// sampled from /proc. Prints the latencies, errors and peak RSS. Driven by bench/slow-clients.sh.
//
//   slow_clients --port P --pid PID [--idle 10000] [--slow 2000] [--seconds 30] [--interval 5]

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

std::map<std::string, long> parseArgs(int argc, char** argv) {
    std::map<std::string, long> a{{"idle", 10000}, {"slow", 2000}, {"seconds", 30}, {"interval", 5}, {"port", 0},
                                  {"pid", 0}};
    for (int i = 1; i + 1 < argc; i += 2) a[std::string(argv[i]).substr(2)] = std::stol(argv[i + 1]);
    return a;
}

int connectTo(int port, int timeout_seconds = 10) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    timeval tv{timeout_seconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(uint16_t(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool sendAll(int fd, const std::string& s) {
    for (size_t done = 0; done < s.size();) {
        const ssize_t n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
        if (n <= 0) return false;
        done += size_t(n);
    }
    return true;
}

/// One request on a fresh connection; the whole response text ("" on failure).
std::string exchange(int port, const std::string& request) {
    const int fd = connectTo(port);
    if (fd < 0) return "";
    std::string out;
    if (sendAll(fd, request)) {
        char buf[16384];
        for (;;) {
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            out.append(buf, size_t(n));
            const auto head_end = out.find("\r\n\r\n");
            if (head_end == std::string::npos) continue;
            std::smatch m;
            static const std::regex cl("\r\n[Cc]ontent-[Ll]ength: *(\\d+)");
            const std::string head = out.substr(0, head_end);
            if (std::regex_search(head, m, cl) && out.size() >= head_end + 4 + std::stoul(m[1])) break;
        }
    }
    ::close(fd);
    return out;
}

int statusOf(const std::string& r) { return r.size() > 12 && r.rfind("HTTP/1.", 0) == 0 ? std::atoi(r.c_str() + 9) : 0; }

struct Series {
    std::mutex mutex;
    std::vector<double> ms;
    long errors = 0;
    void add(double v, bool ok) {
        std::lock_guard lock(mutex);
        if (ok) ms.push_back(v); else ++errors;
    }
    void print(const char* what) {
        std::lock_guard lock(mutex);
        std::sort(ms.begin(), ms.end());
        auto q = [&](double p) { return ms.empty() ? 0.0 : ms[std::min(ms.size() - 1, size_t(p * double(ms.size())))]; };
        std::printf("  %-8s %5zu answered, %3ld errors; p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", what, ms.size(), errors,
                    q(0.5), q(0.99), ms.empty() ? 0.0 : ms.back());
    }
};

double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

long rssKb(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return 0;
}

std::string cookieAndToken(const std::string& page, std::string& token) {
    std::smatch m;
    static const std::regex tok("name=\"csrf_token\" value=\"([^\"]*)\"");
    static const std::regex cookie("\r\n[Ss]et-[Cc]ookie: *([^;\r\n]*rsolv_pre=[^;\r\n]*)");
    token = std::regex_search(page, m, tok) ? m[1].str() : "";
    return std::regex_search(page, m, cookie) ? m[1].str() : "";
}

}  // namespace

int main(int argc, char** argv) {
    auto args = parseArgs(argc, argv);
    const int port = int(args["port"]);
    if (port == 0) {
        std::fprintf(stderr, "usage: slow_clients --port P --pid PID [--idle N] [--slow M] [--seconds S] [--interval I]\n");
        return 2;
    }
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    const auto until = Clock::now() + std::chrono::seconds(args["seconds"]);
    const auto interval = std::chrono::seconds(args["interval"]);
    std::atomic<bool> done{false};
    Series healthz, signup;
    std::atomic<long> peak_rss{0}, reopened{0}, open_now{0};

    std::thread load([&] {
        struct Slow {
            int fd = -1;
            size_t sent = 0;
            Clock::time_point next{};
        };
        const std::string head = "GET /healthz HTTP/1.1\r\nHost: bench\r\nX-Slow: ";
        std::vector<int> idle(static_cast<size_t>(args["idle"]), -1);
        std::vector<Slow> slow(static_cast<size_t>(args["slow"]));
        while (!done) {
            long open = 0;
            for (auto& fd : idle) {  // (re)open, and notice the ones the server closed
                if (fd >= 0) {
                    pollfd p{fd, POLLIN, 0};
                    if (::poll(&p, 1, 0) > 0) { ::close(fd); fd = -1; ++reopened; }
                }
                if (fd < 0) fd = connectTo(port);
                open += fd >= 0;
            }
            for (auto& s : slow) {
                if (s.fd >= 0) {
                    pollfd p{s.fd, POLLIN, 0};
                    if (::poll(&p, 1, 0) > 0) { ::close(s.fd); s.fd = -1; ++reopened; }  // 408 (or closed)
                }
                if (s.fd < 0) { s.fd = connectTo(port); s.sent = 0; s.next = Clock::now(); }
                if (s.fd < 0) continue;
                ++open;
                if (Clock::now() >= s.next) {
                    const char c = s.sent < head.size() ? head[s.sent] : 'a';
                    if (::send(s.fd, &c, 1, MSG_NOSIGNAL) == 1) ++s.sent;
                    s.next = Clock::now() + interval;
                }
            }
            open_now = open;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        for (int fd : idle) if (fd >= 0) ::close(fd);
        for (auto& s : slow) if (s.fd >= 0) ::close(s.fd);
    });
    std::thread probes([&] {
        long n = 0;
        while (!done) {
            auto t = Clock::now();
            const auto h = exchange(port, "GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n");
            healthz.add(msSince(t), statusOf(h) == 200);
            t = Clock::now();
            std::string token;
            const auto page = exchange(port, "GET /signup HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n");
            const std::string cookie = cookieAndToken(page, token);
            const std::string body = "csrf_token=" + token + "&email=slow-bench-" + std::to_string(getpid()) + "-" +
                                     std::to_string(++n) + "%40example.com&name=Slow+Bench";
            const auto res = exchange(port, "POST /signup HTTP/1.1\r\nHost: bench\r\nConnection: close\r\nOrigin: " +
                                                std::string(std::getenv("RSOLV_BENCH_ORIGIN") ? std::getenv("RSOLV_BENCH_ORIGIN") : "") +
                                                "\r\nCookie: " + cookie +
                                                "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
                                                std::to_string(body.size()) + "\r\n\r\n" + body);
            signup.add(msSince(t), statusOf(res) == 303);
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
    });
    long samples = 0;
    while (Clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        if (args["pid"]) peak_rss = std::max(peak_rss.load(), rssKb(args["pid"]));
        if (++samples % 5 == 0)
            std::printf("  t=%lds: %ld connections open, %ld reopened after the server closed them, rss %ld MB\n", samples,
                        open_now.load(), reopened.load(), rssKb(args["pid"]) / 1024);
        std::fflush(stdout);
    }
    done = true;
    probes.join();
    load.join();
    std::printf("slow clients: %ld idle + %ld sending a header byte every %ld s, %ld s\n", args["idle"], args["slow"],
                args["interval"], args["seconds"]);
    healthz.print("/healthz");
    signup.print("signup");
    std::printf("  server peak RSS %ld MB\n", peak_rss.load() / 1024);
    return 0;
}
