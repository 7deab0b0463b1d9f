// What the HTTP engine does with requests whose framing is wrong or ambiguous (request smuggling material), sent over
// a raw TCP socket because no client library would send them: one 400 (or 505 for an unknown version), with the
// security headers and a request id, and the connection closed so nothing left over is read as a second request.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "integration/signup_test_helpers.h"
#include "support/raw_connection.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

/// A second, harmless request appended to each malformed one: if the server read it, it would answer it too.
const std::string kSmuggled = "GET /healthz HTTP/1.1\r\nHost: rsolv.test\r\n\r\n";

struct Framing {
    std::string what;
    std::string request;
    int status;
};

std::vector<Framing> malformedRequests() {
    const std::string post = "POST /api/v1/fix-attempts HTTP/1.1\r\nHost: rsolv.test\r\nContent-Type: application/json\r\n";
    return {
        {"conflicting Content-Length", post + "Content-Length: 2\r\nContent-Length: 45\r\n\r\n{}" + kSmuggled, 400},
        {"repeated equal Content-Length", post + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}" + kSmuggled, 400},
        {"Content-Length list", post + "Content-Length: 2, 2\r\n\r\n{}" + kSmuggled, 400},
        {"Content-Length with Transfer-Encoding",
         post + "Content-Length: 7\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" + kSmuggled, 400},
        {"Transfer-Encoding with Content-Length",
         post + "Transfer-Encoding: chunked\r\nContent-Length: 7\r\n\r\n2\r\n{}\r\n0\r\n\r\n" + kSmuggled, 400},
        {"letters in Content-Length", post + "Content-Length: abc\r\n\r\n{}" + kSmuggled, 400},
        {"negative Content-Length", post + "Content-Length: -2\r\n\r\n{}" + kSmuggled, 400},
        {"signed Content-Length", post + "Content-Length: +2\r\n\r\n{}" + kSmuggled, 400},
        {"bare LF line endings", "GET /healthz HTTP/1.1\nHost: rsolv.test\n\n" + kSmuggled, 400},
        {"bare LF after the request line", "GET /healthz HTTP/1.1\nHost: rsolv.test\r\n\r\n" + kSmuggled, 400},
        {"HTTP/1.2", "GET /healthz HTTP/1.2\r\nHost: rsolv.test\r\n\r\n" + kSmuggled, 505},
        {"HTTP/2.0", "GET /healthz HTTP/2.0\r\nHost: rsolv.test\r\n\r\n" + kSmuggled, 505},
    };
}

class HttpFraming : public ::testing::TestWithParam<Backend> {};

TEST_P(HttpFraming, AmbiguousFramingIsRefusedAndTheConnectionClosed) {
    TestApp app(GetParam(), signupConfig());
    for (const auto& c : malformedRequests()) {
        SCOPED_TRACE(c.what);
        RawConnection conn(app.port());
        ASSERT_TRUE(conn.ok());
        ASSERT_TRUE(conn.send(c.request));
        bool closed = false;
        const std::string answer = conn.readUntilClosed(&closed);
        EXPECT_EQ(statusOf(answer), c.status) << answer.substr(0, 300);
        EXPECT_EQ(countResponses(answer), 1) << "the rest was read as another request:\n" << answer;
        EXPECT_TRUE(closed) << "the connection stayed open";
        EXPECT_EQ(headerOf(answer, "X-Content-Type-Options"), "nosniff");
        EXPECT_NE(headerOf(answer, "Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos);
        EXPECT_FALSE(headerOf(answer, "X-Request-Id").empty());
    }
}

TEST_P(HttpFraming, AWellFramedRequestStillWorksOnTheSameConnectionAsTheNext) {
    TestApp app(GetParam(), signupConfig());
    RawConnection conn(app.port());
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE(conn.send(kSmuggled + kSmuggled));
    EXPECT_EQ(statusOf(conn.readResponse()), 200);
    EXPECT_EQ(statusOf(conn.readResponse()), 200);  // keep-alive: both answered, in order
}

TEST_P(HttpFraming, AnOversizedHeadIs431) {
    TestApp app(GetParam(), signupConfig());
    RawConnection conn(app.port());
    ASSERT_TRUE(conn.ok());
    const std::string cookie(64 * 1024, 'a');
    conn.send("GET /healthz HTTP/1.1\r\nHost: rsolv.test\r\nCookie: x=" + cookie + "\r\n\r\n");
    bool closed = false;
    const std::string answer = conn.readUntilClosed(&closed);
    EXPECT_EQ(statusOf(answer), 431) << answer.substr(0, 300);
    EXPECT_EQ(headerOf(answer, "X-Content-Type-Options"), "nosniff");
}

INSTANTIATE_TEST_SUITE_P(Backends, HttpFraming, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
