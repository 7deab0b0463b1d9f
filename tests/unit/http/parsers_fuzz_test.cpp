// Issue 9 item 7: the parsers every request body and cookie goes through, fuzzed for a bounded number of seeded
// iterations (the same inputs on every run). They may refuse input, but only as a value or an HttpError 400: never
// another exception, never a crash.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "domain/fix_attempts.h"
#include "http/api_support.h"
#include "http/http_error.h"
#include "http/request.h"

namespace rsolv::http {
namespace {

std::string randomBytes(std::mt19937& rng, size_t max_len, const std::string& alphabet) {
    const size_t n = std::uniform_int_distribution<size_t>(0, max_len)(rng);
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        if (alphabet.empty() || rng() % 8 == 0)
            s += char(rng() % 256);
        else
            s += alphabet[rng() % alphabet.size()];
    }
    return s;
}

TEST(ParsersFuzz, UrlEncodedBodiesNeverThrow) {
    std::mt19937 rng(1);
    for (int i = 0; i < 20000; ++i) {
        const std::string text = randomBytes(rng, 80, "ab=&%+09fFzZ\x80\xff;");
        std::map<std::string, std::string> fields;
        ASSERT_NO_THROW(fields = parseUrlEncoded(text)) << text;
        for (const auto& [k, v] : fields) EXPECT_FALSE(k.empty());
    }
    EXPECT_EQ(parseUrlEncoded("a=%zz&b=%41&c=%").count("b"), 1u);
    EXPECT_EQ(parseUrlEncoded("a=1&a=2").at("a"), "1") << "the first value of a repeated field wins";
    EXPECT_EQ(parseUrlEncoded("name=O%27Brien+%26+Co").at("name"), "O'Brien & Co");
}

TEST(ParsersFuzz, CookieHeadersNeverThrow) {
    std::mt19937 rng(2);
    for (int i = 0; i < 20000; ++i) {
        const std::string text = randomBytes(rng, 80, "ab=; \"\t,_-");
        ASSERT_NO_THROW(parseCookieHeader(text)) << text;
    }
    EXPECT_EQ(parseCookieHeader("a=1; b=2").at("b"), "2");
    EXPECT_TRUE(parseCookieHeader(";;=;=x; ;").empty());
}

TEST(ParsersFuzz, JsonBodiesAreParsedOrRefusedWith400) {
    std::mt19937 rng(3);
    const std::vector<std::string> words = {"1e99999", "-1e99999", "1E400", "18446744073709551616", "\"\\ud800\"",
                                            "{", "}", "[", "]", ",", ":", "\"a\"", "null", "\xff", "0", "-",
                                            "\"\\u0000\"", "1.5e-400", std::string(200, '[')};
    for (int i = 0; i < 20000; ++i) {
        std::string body;
        const int parts = std::uniform_int_distribution<int>(0, 8)(rng);
        for (int p = 0; p < parts; ++p) body += words[rng() % words.size()];
        Request req;
        req.body = body;
        try {
            parseJsonBody(req);
        } catch (const HttpError& e) {
            ASSERT_EQ(e.status(), 400) << body;
            ASSERT_EQ(e.code(), "malformed_json") << body;
        } catch (const std::exception& e) {
            FAIL() << "body " << body << " threw " << e.what();
        }
    }
}

nlohmann::json randomJson(std::mt19937& rng, int depth) {
    switch (rng() % (depth > 3 ? 6 : 8)) {
        case 0: return nullptr;
        case 1: return bool(rng() % 2);
        case 2: return std::int64_t(rng()) - (1LL << 31);
        case 3: return double(rng()) / 7.0 * ((rng() % 2) ? 1e300 : 1e-300);
        case 4: return std::string(rng() % 3 == 0 ? "main" : rng() % 2 ? "a/b" : "failed");
        case 5: return std::string(size_t(rng() % 300), char('a' + rng() % 26));
        case 6: {
            auto a = nlohmann::json::array();
            for (unsigned n = rng() % 4; n > 0; --n) a.push_back(randomJson(rng, depth + 1));
            return a;
        }
        default: {
            static const std::vector<std::string> names = {"repository", "reference", "commit_sha", "run_url",
                                                           "status", "reason", "pull_request_url", "x"};
            auto o = nlohmann::json::object();
            for (unsigned n = rng() % 5; n > 0; --n) o[names[rng() % names.size()]] = randomJson(rng, depth + 1);
            return o;
        }
    }
}

TEST(ParsersFuzz, FixAttemptFieldReadersNeverThrow) {
    std::mt19937 rng(4);
    for (int i = 0; i < 20000; ++i) {
        const auto body = randomJson(rng, 0);
        ASSERT_NO_THROW(domain::parseFixAttemptInput(body)) << body.dump();
        ASSERT_NO_THROW(domain::parseFixAttemptUpdate(body)) << body.dump();
    }
}

}  // namespace
}  // namespace rsolv::http
