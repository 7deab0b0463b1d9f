#include "common/crypto.h"

#include <sodium.h>

#include <stdexcept>

namespace rsolv::crypto {

namespace {

const unsigned char* bytesOf(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* bytesOf(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

/// A function-local static: one sodium_init() per process, thread-safe, and a single load on every later call.
void ensureInit() {
    static const bool ready = (init(), true);
    (void)ready;
}

void requireKey(const std::string& key32) {
    if (key32.size() != kKeyBytes) throw std::invalid_argument("crypto key must be 32 bytes");
}

/// Wipes a std::string's buffer when the scope ends, whichever way it ends.
struct WipeOnExit {
    std::string& s;
    ~WipeOnExit() { wipe(s); }
};

}  // namespace

void init() {
    // 0: initialised now, 1: already initialised, -1: failure.
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

void wipe(std::string& buffer) { sodium_memzero(buffer.data(), buffer.size()); }

std::uint32_t randomUniform(std::uint32_t upper_bound) {
    init();
    return randombytes_uniform(upper_bound);
}

std::string randomBytes(std::size_t n) {
    ensureInit();
    std::string out(n, '\0');
    if (n > 0) randombytes_buf(out.data(), n);
    return out;
}

std::string randomToken(std::size_t bytes) {
    if (bytes < 16) throw std::invalid_argument("a token needs at least 128 bits");
    std::string raw = randomBytes(bytes);
    WipeOnExit wipe_raw{raw};
    return base64url(raw);
}

std::string sha256Hex(std::string_view data) {
    ensureInit();
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, bytesOf(data), data.size());
    return hex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string hex(std::string_view bytes) {
    std::string out(bytes.size() * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), bytesOf(bytes), bytes.size());
    out.pop_back();  // the terminating NUL sodium writes
    return out;
}

bool constantTimeEqual(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string base64url(std::string_view bytes) {
    constexpr int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
    sodium_bin2base64(out.data(), out.size(), bytesOf(bytes), bytes.size(), variant);
    out.pop_back();
    return out;
}

std::optional<std::string> base64urlDecode(std::string_view text) {
    // Never more than 3 bytes per 4 characters; +1 keeps the buffer non-empty for sodium's nonnull argument.
    std::string out(text.size() / 4 * 3 + 3, '\0');
    size_t len = 0;
    // A null b64_end makes sodium reject input it could not consume entirely.
    if (sodium_base642bin(bytesOf(out), out.size(), text.data(), text.size(), nullptr, &len, nullptr,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
        return std::nullopt;
    }
    out.resize(len);
    return out;
}

std::string uuidV4() {
    std::string b = randomBytes(16);
    b[6] = static_cast<char>((static_cast<unsigned char>(b[6]) & 0x0F) | 0x40);  // version 4
    b[8] = static_cast<char>((static_cast<unsigned char>(b[8]) & 0x3F) | 0x80);  // RFC 4122 variant
    const std::string h = hex(b);
    return h.substr(0, 8) + '-' + h.substr(8, 4) + '-' + h.substr(12, 4) + '-' + h.substr(16, 4) + '-' + h.substr(20);
}

Result<SecretKey> SecretKey::fromString(std::string_view text) {
    if (text.size() < 32) {
        return Error{"too_short", "RSOLV_SECRET_KEY", "The secret key must be at least 32 characters long."};
    }
    ensureInit();
    SecretKey key;
    crypto_generichash(key.key_.data(), key.key_.size(), bytesOf(text), text.size(), nullptr, 0);
    return key;
}

SecretKey SecretKey::generate() {
    std::string raw = randomBytes(kKeyBytes);
    WipeOnExit wipe_raw{raw};
    std::string seed = hex(raw);
    SecretKey key = std::move(fromString(seed)).value();
    key.seed_hex_ = std::move(seed);
    return key;
}

SecretKey::~SecretKey() {
    sodium_memzero(key_.data(), key_.size());
    wipe(seed_hex_);
}

std::string SecretKey::toHex() const {
    if (seed_hex_.empty()) throw std::logic_error("only a generated SecretKey can be exported");
    return seed_hex_;
}

std::string SecretKey::subkey(std::string_view purpose) const {
    if (purpose.empty()) throw std::invalid_argument("a subkey needs a purpose");
    ensureInit();
    std::string out(kKeyBytes, '\0');
    crypto_generichash(bytesOf(out), out.size(), bytesOf(purpose), purpose.size(), key_.data(), key_.size());
    return out;
}

std::string mac(const std::string& key32, std::string_view message) {
    requireKey(key32);
    ensureInit();
    unsigned char tag[crypto_auth_BYTES];
    crypto_auth(tag, bytesOf(message), message.size(), bytesOf(key32));
    return base64url(std::string_view(reinterpret_cast<const char*>(tag), sizeof tag));
}

bool verifyMac(const std::string& key32, std::string_view message, std::string_view mac_b64url) {
    requireKey(key32);
    ensureInit();
    const auto tag = base64urlDecode(mac_b64url);
    if (!tag || tag->size() != crypto_auth_BYTES) return false;
    return crypto_auth_verify(bytesOf(*tag), bytesOf(message), message.size(), bytesOf(key32)) == 0;
}

std::string seal(const std::string& key32, std::string_view plaintext) {
    requireKey(key32);
    if (plaintext.data() == nullptr) plaintext = std::string_view("", 0);
    std::string box = randomBytes(crypto_secretbox_NONCEBYTES);
    box.resize(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size());
    const unsigned char* nonce = bytesOf(box);
    crypto_secretbox_easy(bytesOf(box) + crypto_secretbox_NONCEBYTES, bytesOf(plaintext), plaintext.size(), nonce,
                          bytesOf(key32));
    return base64url(box);
}

std::optional<std::string> open(const std::string& key32, std::string_view sealed) {
    requireKey(key32);
    ensureInit();
    const auto box = base64urlDecode(sealed);
    if (!box || box->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return std::nullopt;
    const std::string_view cipher = std::string_view(*box).substr(crypto_secretbox_NONCEBYTES);
    std::string plain(cipher.size() - crypto_secretbox_MACBYTES, '\0');
    if (crypto_secretbox_open_easy(bytesOf(plain), bytesOf(cipher), cipher.size(), bytesOf(*box), bytesOf(key32)) != 0) {
        return std::nullopt;
    }
    return plain;
}

}  // namespace rsolv::crypto
