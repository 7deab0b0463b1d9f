#include "domain/api_key.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <regex>
#include <set>

#include "common/base62.h"
#include "common/crypto.h"

namespace rsolv::domain {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Builds a key from a chosen 43-character body, the way generateApiKey does, to test the format with known text.
std::string keyWithBody(const std::string& body) {
    const auto crc = crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
    return "rsolv_" + body + base62EncodeU32(static_cast<std::uint32_t>(crc), 6);
}

TEST(ApiKey, GeneratesUniqueSecureApiKeys) {
    const std::regex shape("^rsolv_[0-9A-Za-z]{49}$");
    const std::regex sha256("^[0-9a-f]{64}$");
    std::set<std::string> secrets;
    std::set<std::string> hashes;
    for (int i = 0; i < 10000; ++i) {
        const GeneratedApiKey key = generateApiKey();
        ASSERT_TRUE(std::regex_match(key.secret, shape)) << key.secret;
        ASSERT_TRUE(isWellFormedApiKey(key.secret)) << key.secret;
        ASSERT_TRUE(std::regex_match(key.hash, sha256)) << key.hash;
        ASSERT_EQ(key.hash, crypto::sha256Hex(key.secret));
        ASSERT_EQ(key.display_id, displayIdOf(key.secret));
        secrets.insert(key.secret);
        hashes.insert(key.hash);
    }
    EXPECT_EQ(secrets.size(), 10000u);
    EXPECT_EQ(hashes.size(), 10000u);
}

TEST(ApiKey, RandomPartUsesTheWholeAlphabet) {
    // A coarse check that the body is not, say, hex or biased to a few characters: 2,000 keys x 43 characters
    // should show every one of the 62 characters in some non-first position.
    std::set<char> seen;
    for (int i = 0; i < 2000; ++i) {
        const std::string secret = generateApiKey().secret;
        seen.insert(secret.begin() + 7, secret.begin() + 49);
    }
    EXPECT_EQ(seen.size(), 62u);
}

TEST(ApiKey, HashIsSha256OfTheWholeKey) {
    const GeneratedApiKey key = generateApiKey();
    EXPECT_EQ(hashApiKey(key.secret), key.hash);
    EXPECT_EQ(hashApiKey("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ApiKey, KnownKeyIsWellFormed) {
    const std::string body(43, 'A');
    const std::string key = keyWithBody(body);
    EXPECT_EQ(key.size(), kApiKeyLength);
    EXPECT_TRUE(isWellFormedApiKey(key));
}

TEST(ApiKey, AnySingleCharacterChangeFailsTheChecksum) {
    for (int round = 0; round < 5; ++round) {
        const std::string key = generateApiKey().secret;
        ASSERT_TRUE(isWellFormedApiKey(key));
        for (size_t pos = kApiKeyPrefix.size(); pos < key.size(); ++pos) {  // body and checksum
            for (char c : kAlphabet) {
                if (c == key[pos]) continue;
                std::string tampered = key;
                tampered[pos] = c;
                ASSERT_FALSE(isWellFormedApiKey(tampered)) << tampered;
            }
        }
    }
}

TEST(ApiKey, SwappedCharactersFailTheChecksum) {
    const std::string key = generateApiKey().secret;
    for (size_t pos = kApiKeyPrefix.size(); pos + 1 < kApiKeyPrefix.size() + kApiKeyRandomLength; ++pos) {
        if (key[pos] == key[pos + 1]) continue;
        std::string swapped = key;
        std::swap(swapped[pos], swapped[pos + 1]);
        EXPECT_FALSE(isWellFormedApiKey(swapped)) << swapped;
    }
}

TEST(ApiKey, RejectsWrongPrefixLengthOrAlphabet) {
    const std::string key = generateApiKey().secret;
    const std::string rest = key.substr(kApiKeyPrefix.size());

    EXPECT_FALSE(isWellFormedApiKey("Rsolv_" + rest));
    EXPECT_FALSE(isWellFormedApiKey("rsolv-" + rest));
    EXPECT_FALSE(isWellFormedApiKey("rslv_" + rest));
    EXPECT_FALSE(isWellFormedApiKey("ghp_" + rest));
    EXPECT_FALSE(isWellFormedApiKey(rest));
    EXPECT_FALSE(isWellFormedApiKey(key.substr(0, key.size() - 1)));
    EXPECT_FALSE(isWellFormedApiKey(key + "0"));
    EXPECT_FALSE(isWellFormedApiKey(" " + key));
    EXPECT_FALSE(isWellFormedApiKey(key + "\n"));
    EXPECT_FALSE(isWellFormedApiKey(""));
    EXPECT_FALSE(isWellFormedApiKey("rsolv_"));
    for (const char bad : std::string("-_+/=. \0\x80", 10)) {
        std::string tampered = key;
        tampered[20] = bad;
        EXPECT_FALSE(isWellFormedApiKey(tampered)) << static_cast<int>(bad);
    }
}

TEST(ApiKey, DisplayIdShowsPrefixFourAndLastFour) {
    const std::string key = keyWithBody("AbCd" + std::string(39, 'x'));
    const std::string id = displayIdOf(key);
    EXPECT_EQ(id, "rsolv_AbCd\xE2\x80\xA6" + key.substr(key.size() - 4));
    EXPECT_EQ(id.find(key.substr(10, 20)), std::string::npos);
    EXPECT_EQ(displayIdOf("not a key"), "[redacted]");
    EXPECT_EQ(displayIdOf("ghp_0123456789012345678901234567890123456789"), "[redacted]");
}

TEST(ApiKey, MaskApiKeysReplacesKeysAndKeepsTheRest) {
    const GeneratedApiKey a = generateApiKey();
    const GeneratedApiKey b = generateApiKey();
    const std::string line = "auth ok key=" + a.secret + " for customer 42; retried with \"" + b.secret + "\".";
    const std::string masked = maskApiKeys(line);
    EXPECT_EQ(masked, "auth ok key=" + a.display_id + " for customer 42; retried with \"" + b.display_id + "\".");
    EXPECT_EQ(masked.find(a.secret.substr(10, 40)), std::string::npos);
    EXPECT_EQ(masked.find(b.secret.substr(10, 40)), std::string::npos);
}

TEST(ApiKey, MaskApiKeysMasksKeysWithABadChecksumToo) {
    // A mistyped key is still nearly all of a real one.
    std::string key = generateApiKey().secret;
    key[30] = key[30] == 'a' ? 'b' : 'a';
    ASSERT_FALSE(isWellFormedApiKey(key));
    EXPECT_EQ(maskApiKeys("bad key " + key), "bad key " + displayIdOf(key));
}

TEST(ApiKey, MaskApiKeysCutsDownTruncatedAndRunOnKeys) {
    const std::string key = generateApiKey().secret;
    const std::string ellipsis = "\xE2\x80\xA6";
    const std::string truncated = key.substr(0, 40);
    EXPECT_EQ(maskApiKeys("x " + truncated + " y"), "x " + key.substr(0, 10) + ellipsis + " y");
    EXPECT_EQ(maskApiKeys("x " + key + "extra y"), "x " + key.substr(0, 10) + ellipsis + " y");
    EXPECT_EQ(maskApiKeys("rsolv_rsolv_" + key), "rsolv_rsolv_" + displayIdOf(key));
    EXPECT_EQ(maskApiKeys(key + key), displayIdOf(key) + displayIdOf(key));
    EXPECT_EQ(maskApiKeys(truncated + key), key.substr(0, 10) + ellipsis + displayIdOf(key));
    EXPECT_EQ(maskApiKeys(key + "-" + key), displayIdOf(key) + "-" + displayIdOf(key));
}

TEST(ApiKey, MaskApiKeysLeavesOrdinaryTextAlone) {
    for (const std::string& text : {std::string(), std::string("no secrets here"), std::string("table rsolv_customers"),
                                   std::string("rsolv_"), std::string("trailing rsolv_"), std::string("rsolv_rsolv_x"),
                                   std::string("caf\xc3\xa9 rsolv_api_keys \xe2\x80\xa6 done")}) {
        EXPECT_EQ(maskApiKeys(text), text);
    }
}

}  // namespace
}  // namespace rsolv::domain
