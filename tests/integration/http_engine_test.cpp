// The HTTP engine's own behaviour, against the real server: slow and idle connections hold no thread and do not delay
// others, deadlines and the per-address cap close what would otherwise be held open, a full handler queue answers 503
// with Retry-After, chunked bodies are counted against the limit as they are read, and a graceful stop answers the
// request already in a handler before it returns.

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/open_files.h"
#include "http/server.h"
#include "integration/signup_test_helpers.h"
#include "support/raw_connection.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

const std::string kHealthz = "GET /healthz HTTP/1.1\r\nHost: rsolv.test\r\n\r\n";

/// Lets a test hold handlers inside their call and know how many have arrived.
class Gate {
public:
    void arrive() {
        std::unique_lock lock(mutex_);
        ++arrived_;
        changed_.notify_all();
        changed_.wait(lock, [&] { return open_; });
    }
    void waitForArrivals(int n) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return arrived_ >= n; });
    }
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int arrived_ = 0;
    bool open_ = false;
};

/// An HttpServer of its own on the app's context, serving /slow (held at the gate, then a 200 KB answer) and /healthz.
struct SlowServer {
    SlowServer(TestApp& app, http::ServerOptions options) {
        router.add({"GET", "/slow", http::RouteKind::Page,
                    [this](http::Request&) {
                        gate.arrive();
                        return http::Response::text(std::string(200 * 1024, 'x'));
                    },
                    {}});
        router.add({"GET", "/healthz", http::RouteKind::Api,
                    [](http::Request&) { return http::Response::json(R"({"status":"ok"})"); }, {}});
        options.host = "127.0.0.1";
        options.port = 0;
        server = std::make_unique<http::HttpServer>(app.app().context(), router, options);
        server->start();
    }
    Gate gate;
    http::Router router;
    std::unique_ptr<http::HttpServer> server;
};

class HttpEngine : public ::testing::TestWithParam<Backend> {};

TEST_P(HttpEngine, FiveHundredSlowConnectionsDoNotDelayHealthz) {
    app::raiseOpenFilesLimit();
    TestApp app(GetParam(), signupConfig([](app::Config& c) { c.max_connections_per_ip = 0; }));
    std::vector<RawConnection> slow;
    slow.reserve(500);
    for (int i = 0; i < 500; ++i) {
        slow.emplace_back(app.port());
        ASSERT_TRUE(slow.back().ok()) << "connection " << i;
        ASSERT_TRUE(slow.back().send("GET /healthz HTTP/1.1\r\nHost: rsolv.test\r\nX-Slow: "));  // never finished
    }
    HttpClient client(app.port(), app.publicUrl());
    for (int i = 0; i < 5; ++i) EXPECT_EQ(client.get("/healthz").status, 200);
    int still_open = 0;
    for (auto& c : slow) still_open += c.closedByServer() ? 0 : 1;
    EXPECT_EQ(still_open, 500) << "/healthz was answered only after slow connections were dropped";
}

TEST_P(HttpEngine, IdleConnectionsAreClosedAndAHeadThatNeverEndsGets408) {
    TestApp app(GetParam(), signupConfig([](app::Config& c) {
        c.http_idle_seconds = 1;
        c.http_head_seconds = 1;
    }));
    RawConnection idle(app.port());
    bool closed = false;
    EXPECT_EQ(idle.readUntilClosed(&closed), "");
    EXPECT_TRUE(closed);

    RawConnection kept(app.port());  // keep-alive: answered, then closed once idle
    kept.send(kHealthz);
    EXPECT_EQ(statusOf(kept.readResponse()), 200);
    EXPECT_EQ(kept.readUntilClosed(&closed), "");
    EXPECT_TRUE(closed);

    RawConnection partial(app.port());
    partial.send("GET /healthz HTTP/1.1\r\nHost: rs");
    const std::string answer = partial.readUntilClosed(&closed);
    EXPECT_EQ(statusOf(answer), 408) << answer.substr(0, 200);
    EXPECT_EQ(headerOf(answer, "X-Content-Type-Options"), "nosniff");
    EXPECT_TRUE(closed);
}

TEST_P(HttpEngine, OpenConnectionsPerAddressAreCappedExceptForTrustedProxies) {
    {
        TestApp app(GetParam(), signupConfig([](app::Config& c) { c.max_connections_per_ip = 2; }));
        RawConnection a(app.port()), b(app.port());
        a.send(kHealthz);  // both are accepted and counted before the third connects
        EXPECT_EQ(statusOf(a.readResponse()), 200);
        b.send(kHealthz);
        EXPECT_EQ(statusOf(b.readResponse()), 200);
        RawConnection c(app.port());
        bool closed = false;
        const std::string answer = c.readUntilClosed(&closed);
        EXPECT_EQ(statusOf(answer), 503) << answer.substr(0, 200);
        EXPECT_FALSE(headerOf(answer, "Retry-After").empty());
        EXPECT_EQ(headerOf(answer, "X-Content-Type-Options"), "nosniff");
        EXPECT_TRUE(closed);
        a.send(kHealthz);  // the first two are unaffected
        EXPECT_EQ(statusOf(a.readResponse()), 200);
    }
    {
        TestApp app(GetParam(), signupConfig([](app::Config& c) {
            c.max_connections_per_ip = 2;
            c.trusted_proxies = {"127.0.0.1/32"};
        }));
        std::vector<RawConnection> many;
        for (int i = 0; i < 5; ++i) {
            many.emplace_back(app.port());
            many.back().send(kHealthz);
            EXPECT_EQ(statusOf(many.back().readResponse()), 200) << "connection " << i << " from a trusted proxy";
        }
    }
}

TEST_P(HttpEngine, ChunkedBodiesAreCountedAgainstTheLimitAsTheyAreRead) {
    TestApp app(GetParam(), signupConfig());
    const std::string head =
        "POST /api/v1/fix-attempts HTTP/1.1\r\nHost: rsolv.test\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n";
    std::string chunks;
    for (size_t sent = 0; sent <= app.config().max_body_bytes; sent += 8192) chunks += "2000\r\n" + std::string(8192, ' ') + "\r\n";
    RawConnection big(app.port());
    big.send(head + chunks + "0\r\n\r\n");
    bool closed = false;
    const std::string answer = big.readUntilClosed(&closed);
    EXPECT_EQ(statusOf(answer), 413) << answer.substr(0, 300);
    EXPECT_NE(answer.find("payload_too_large"), std::string::npos);

    RawConnection small(app.port());  // a small chunked body is read and reaches the handler (401: no key)
    small.send(head + "2\r\n{}\r\n0\r\n\r\n");
    EXPECT_EQ(statusOf(small.readResponse()), 401);
}

TEST_P(HttpEngine, AFullHandlerQueueAnswers503WithRetryAfter) {
    TestApp app(GetParam(), signupConfig());
    http::ServerOptions options;
    options.handler_threads = 1;
    options.handler_queue = 1;
    SlowServer s(app, options);
    const auto port = s.server->port();
    std::thread first([&] { EXPECT_EQ(HttpClient(port, "").get("/slow").status, 200); });
    s.gate.waitForArrivals(1);  // the only handler thread is busy

    std::mutex mutex;
    std::condition_variable done;
    std::vector<HttpResponse> answers;
    std::vector<std::thread> others;
    for (int i = 0; i < 2; ++i)
        others.emplace_back([&] {
            auto r = HttpClient(port, "").get("/slow");
            std::lock_guard lock(mutex);
            answers.push_back(std::move(r));
            done.notify_all();
        });
    {
        std::unique_lock lock(mutex);
        done.wait(lock, [&] { return !answers.empty(); });  // one waits in the queue, the other is turned away
        EXPECT_EQ(answers.front().status, 503);
        EXPECT_FALSE(answers.front().header("retry-after").empty());
        expectSecurityHeaders(answers.front(), "503");
    }
    s.gate.open();
    first.join();
    for (auto& t : others) t.join();
    ASSERT_EQ(answers.size(), 2u);
    EXPECT_EQ(answers.back().status, 200);
}

TEST_P(HttpEngine, StopAnswersTheRequestInFlightThenCloses) {
    TestApp app(GetParam(), signupConfig());
    SlowServer s(app, http::ServerOptions{});
    const auto port = s.server->port();
    std::optional<HttpResponse> answer;
    std::thread client([&] { answer = HttpClient(port, "").get("/slow"); });
    s.gate.waitForArrivals(1);
    RawConnection idle(port);  // open, no request: closed by the stop
    idle.send(kHealthz);
    EXPECT_EQ(statusOf(idle.readResponse()), 200);

    std::thread stopper([&] { s.server->stop(); });
    for (int i = 0; i < 1000000 && RawConnection(port).ok(); ++i) std::this_thread::yield();  // until it stops accepting
    EXPECT_FALSE(RawConnection(port).ok()) << "still accepting after stop()";
    bool closed = false;
    EXPECT_EQ(idle.readUntilClosed(&closed), "");
    EXPECT_TRUE(closed) << "an idle connection stayed open during shutdown";

    s.gate.open();  // the handler finishes only now, while stop() waits for it
    client.join();
    stopper.join();
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->status, 200);
    EXPECT_EQ(answer->body.size(), 200u * 1024) << "the answer was cut";
    EXPECT_EQ(answer->header("connection"), "close");
}

INSTANTIATE_TEST_SUITE_P(Backends, HttpEngine, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
