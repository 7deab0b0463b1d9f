#include "common/crypto.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <stdexcept>

namespace rsolv::crypto {
namespace {

std::string key32(char fill) { return std::string(kKeyBytes, fill); }

TEST(Crypto, InitIsIdempotent) {
    EXPECT_NO_THROW(init());
    EXPECT_NO_THROW(init());
}

TEST(Crypto, RandomBytesHasRequestedLengthAndVaries) {
    EXPECT_EQ(randomBytes(0).size(), 0u);
    EXPECT_EQ(randomBytes(1).size(), 1u);
    EXPECT_EQ(randomBytes(64).size(), 64u);
    EXPECT_NE(randomBytes(32), randomBytes(32));
}

TEST(Crypto, Sha256KnownVectors) {
    EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256Hex(std::string_view()), sha256Hex(""));
}

TEST(Crypto, HexIsLowercase) {
    EXPECT_EQ(hex(std::string("\x00\x01\xab\xff", 4)), "0001abff");
    EXPECT_EQ(hex(""), "");
}

TEST(Crypto, Base64urlRoundTripsWithoutPadding) {
    EXPECT_EQ(base64url(""), "");
    EXPECT_EQ(base64url("f"), "Zg");
    EXPECT_EQ(base64url("fo"), "Zm8");
    EXPECT_EQ(base64url("foo"), "Zm9v");
    EXPECT_EQ(base64url("\xfb\xff"), "-_8");  // the URL-safe alphabet, not '+' and '/'
    for (size_t n = 0; n < 70; ++n) {
        const std::string bytes = randomBytes(n);
        const auto decoded = base64urlDecode(base64url(bytes));
        ASSERT_TRUE(decoded.has_value()) << n;
        EXPECT_EQ(*decoded, bytes);
    }
}

TEST(Crypto, Base64urlDecodeIsStrict) {
    EXPECT_EQ(base64urlDecode("").value(), "");
    EXPECT_EQ(base64urlDecode("Zm9v").value(), "foo");
    EXPECT_FALSE(base64urlDecode("Zg=="));    // padding
    EXPECT_FALSE(base64urlDecode("Zm9v "));   // whitespace
    EXPECT_FALSE(base64urlDecode("+/8"));     // standard alphabet
    EXPECT_FALSE(base64urlDecode("Z"));       // impossible length
    EXPECT_FALSE(base64urlDecode("Zh"));      // non-zero trailing bits: a second spelling of "f"
    EXPECT_FALSE(base64urlDecode("Zm9v!"));
}

TEST(Crypto, ConstantTimeEqual) {
    EXPECT_TRUE(constantTimeEqual("", ""));
    EXPECT_TRUE(constantTimeEqual("token", "token"));
    EXPECT_FALSE(constantTimeEqual("token", "tokeN"));
    EXPECT_FALSE(constantTimeEqual("token", "token "));
    EXPECT_FALSE(constantTimeEqual("token", ""));
    EXPECT_FALSE(constantTimeEqual(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(Crypto, UuidV4Format) {
    const std::regex shape("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const std::string id = uuidV4();
        ASSERT_TRUE(std::regex_match(id, shape)) << id;
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 1000u);
}

TEST(Crypto, RandomTokenLengthAndUniqueness) {
    const std::regex alphabet("^[A-Za-z0-9_-]+$");
    EXPECT_EQ(randomToken().size(), 43u);  // 32 bytes -> ceil(256 / 6)
    EXPECT_EQ(randomToken(16).size(), 22u);
    EXPECT_EQ(randomToken(48).size(), 64u);
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i) {
        const std::string token = randomToken();
        ASSERT_TRUE(std::regex_match(token, alphabet)) << token;
        seen.insert(token);
    }
    EXPECT_EQ(seen.size(), 10000u);
}

TEST(Crypto, RandomTokenRefusesFewerThan128Bits) {
    EXPECT_THROW(randomToken(15), std::invalid_argument);
    EXPECT_THROW(randomToken(0), std::invalid_argument);
}

TEST(Crypto, SecretKeyRefusesShortText) {
    const auto key = SecretKey::fromString("only-thirty-one-characters-long");
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.error().code, "too_short");
    EXPECT_TRUE(SecretKey::fromString(std::string(32, 'x')).ok());
}

TEST(Crypto, SecretKeySubkeysAreDeterministicAndIndependent) {
    const std::string text = "a development secret that is long enough";
    const SecretKey a = SecretKey::fromString(text).value();
    const SecretKey b = SecretKey::fromString(text).value();
    const SecretKey other = SecretKey::fromString(text + "!").value();

    EXPECT_EQ(a.subkey("csrf").size(), kKeyBytes);
    EXPECT_EQ(a.subkey("csrf"), b.subkey("csrf"));
    EXPECT_EQ(a.subkey("flash"), b.subkey("flash"));
    EXPECT_NE(a.subkey("csrf"), a.subkey("flash"));
    EXPECT_NE(a.subkey("csrf"), a.subkey("link"));
    EXPECT_NE(a.subkey("flash"), a.subkey("link"));
    EXPECT_NE(a.subkey("csrf"), other.subkey("csrf"));
    EXPECT_THROW((void)a.subkey(""), std::invalid_argument);
}

TEST(Crypto, GeneratedSecretKeyPersistsThroughFromString) {
    const SecretKey generated = SecretKey::generate();
    const std::string text = generated.toHex();
    EXPECT_TRUE(std::regex_match(text, std::regex("^[0-9a-f]{64}$"))) << text;
    const SecretKey reloaded = SecretKey::fromString(text).value();
    EXPECT_EQ(reloaded.subkey("csrf"), generated.subkey("csrf"));
    EXPECT_NE(SecretKey::generate().subkey("csrf"), generated.subkey("csrf"));

    const SecretKey copy = generated;
    EXPECT_EQ(copy.toHex(), text);
    EXPECT_THROW((void)reloaded.toHex(), std::logic_error);  // an operator's key is never written back out
}

TEST(Crypto, MacVerifiesAndRejectsMismatches) {
    const SecretKey master = SecretKey::generate();
    const std::string key = master.subkey("link");
    const std::string tag = mac(key, "customer=42&expires=1700000000");

    EXPECT_TRUE(std::regex_match(tag, std::regex("^[A-Za-z0-9_-]{43}$"))) << tag;  // 32-byte tag
    EXPECT_EQ(tag, mac(key, "customer=42&expires=1700000000"));
    EXPECT_TRUE(verifyMac(key, "customer=42&expires=1700000000", tag));
    EXPECT_FALSE(verifyMac(key, "customer=43&expires=1700000000", tag));
    EXPECT_FALSE(verifyMac(master.subkey("csrf"), "customer=42&expires=1700000000", tag));
    EXPECT_FALSE(verifyMac(key, "customer=42&expires=1700000000", tag.substr(1)));
    EXPECT_FALSE(verifyMac(key, "customer=42&expires=1700000000", ""));
    EXPECT_FALSE(verifyMac(key, "customer=42&expires=1700000000", "not base64!"));
    std::string flipped = tag;
    flipped[0] = flipped[0] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verifyMac(key, "customer=42&expires=1700000000", flipped));
}

TEST(Crypto, MacKnownVector) {
    // HMAC-SHA-512 truncated to 256 bits; RFC 4231 test case 2 with the key zero-padded to 32 bytes gives the same HMAC.
    std::string key = "Jefe";
    key.resize(kKeyBytes, '\0');
    const auto tag = base64urlDecode(mac(key, "what do ya want for nothing?"));
    ASSERT_TRUE(tag.has_value());
    EXPECT_EQ(hex(*tag), "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554");
}

TEST(Crypto, KeysOfTheWrongSizeAreRefused) {
    EXPECT_THROW(mac("short", "m"), std::invalid_argument);
    EXPECT_THROW(seal("short", "m"), std::invalid_argument);
    EXPECT_THROW(open(std::string(33, 'k'), "m"), std::invalid_argument);
}

TEST(Crypto, SealOpenRoundTrip) {
    const std::string key = SecretKey::generate().subkey("flash");
    for (const std::string& plain : {std::string(), std::string("Your API key was revoked."), randomBytes(1000)}) {
        const std::string sealed = seal(key, plain);
        const auto opened = open(key, sealed);
        ASSERT_TRUE(opened.has_value());
        EXPECT_EQ(*opened, plain);
    }
    // A fresh nonce each time: the same message never seals to the same text.
    EXPECT_NE(seal(key, "same"), seal(key, "same"));
}

TEST(Crypto, OpenDetectsTampering) {
    const std::string key = key32('k');
    const std::string sealed = seal(key, "flash message");
    const std::string raw = base64urlDecode(sealed).value();

    for (size_t i = 0; i < raw.size(); ++i) {  // every byte: nonce, tag and ciphertext
        std::string bad = raw;
        bad[i] = static_cast<char>(bad[i] ^ 0x01);
        EXPECT_FALSE(open(key, base64url(bad))) << "byte " << i;
    }
    EXPECT_FALSE(open(key32('j'), sealed));
    EXPECT_FALSE(open(key, sealed.substr(0, sealed.size() - 2)));
    EXPECT_FALSE(open(key, base64url(raw.substr(0, 39))));  // shorter than nonce + tag
    EXPECT_FALSE(open(key, ""));
    EXPECT_FALSE(open(key, sealed + "="));
    EXPECT_TRUE(open(key, sealed));
}

}  // namespace
}  // namespace rsolv::crypto
