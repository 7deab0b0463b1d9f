#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

/// Thin, typed wrappers over libsodium so that the rest of the code never touches raw buffers, `rand()` or `==` on secrets.
/// Every function calls init() itself, so forgetting it in a test or a tool is harmless; main still calls it early so that
/// a broken libsodium stops the process at start-up rather than on the first request.
namespace rsolv::crypto {

/// Size of every symmetric key handled here (SecretKey subkeys, mac and seal keys).
inline constexpr std::size_t kKeyBytes = 32;

/// sodium_init(); throws std::runtime_error if libsodium cannot start. Safe to call any number of times, from any thread.
void init();

/// Overwrites a buffer that held a secret (sodium_memzero, which the optimiser may not drop) before it is released.
void wipe(std::string& buffer);

/// n bytes from libsodium's CSPRNG.
std::string randomBytes(std::size_t n);

/// A uniformly distributed number in [0, upper_bound) (randombytes_uniform), for jitter.
std::uint32_t randomUniform(std::uint32_t upper_bound);

/// base64url (no padding) of `bytes` random bytes, for session ids, CSRF tokens and sign-in links.
/// Throws std::invalid_argument below 16 bytes, since rule 4 asks for at least 128 bits.
std::string randomToken(std::size_t bytes = 32);

/// SHA-256 as 64 lowercase hex characters: the only form in which keys and tokens are stored.
std::string sha256Hex(std::string_view data);

/// Lowercase hex of arbitrary bytes.
std::string hex(std::string_view bytes);

/// Compares in time that depends only on the length, so a token check leaks nothing about how much matched.
/// False when the lengths differ (lengths are not secret: every token of a kind has the same one).
bool constantTimeEqual(std::string_view a, std::string_view b);

/// URL-safe base64 without padding, so the result can go into a cookie or a URL untouched.
std::string base64url(std::string_view bytes);

/// Strict inverse of base64url: nullopt on padding, whitespace, foreign characters or non-canonical trailing bits.
std::optional<std::string> base64urlDecode(std::string_view text);

/// A random RFC 4122 version 4 UUID, lowercase 8-4-4-4-12.
std::string uuidV4();

/// A 32-byte server master key from which purpose-specific subkeys are derived (keyed crypto_generichash),
/// so the CSRF key, the flash-encryption key and the link-signing key are independent: leaking one reveals none of
/// the others nor the master key.
class SecretKey {
public:
    /// From the operator's RSOLV_SECRET_KEY: at least 32 characters; the bytes are hashed with crypto_generichash to
    /// 32 bytes, so any passphrase or hex string of enough length works. Error.code "too_short".
    static Result<SecretKey> fromString(std::string_view text);

    /// A fresh random key for development. It is built as fromString(toHex()), so persisting toHex() and reading it back
    /// through RSOLV_SECRET_KEY gives the same key and the same subkeys on the next start.
    static SecretKey generate();

    SecretKey(const SecretKey&) = default;
    SecretKey& operator=(const SecretKey&) = default;
    SecretKey(SecretKey&&) noexcept = default;
    SecretKey& operator=(SecretKey&&) noexcept = default;
    ~SecretKey();

    /// The 64-hex-character text to persist for a key made by generate(). Throws std::logic_error for a key made by
    /// fromString(): its text is the operator's and cannot be recovered from the hash, nor should it be written anywhere.
    std::string toHex() const;

    /// 32 bytes, the same for the same purpose and master key, unrelated across purposes.
    /// Throws std::invalid_argument for an empty purpose (always a programming error).
    std::string subkey(std::string_view purpose) const;

private:
    SecretKey() = default;

    std::array<unsigned char, kKeyBytes> key_{};
    /// Only for generated keys: the text whose hash is key_, so that toHex() round-trips through fromString().
    std::string seed_hex_;
};

/// HMAC (crypto_auth, HMAC-SHA512-256) under a 32-byte subkey; returns base64url.
/// Throws std::invalid_argument when the key is not 32 bytes.
std::string mac(const std::string& key32, std::string_view message);

/// Constant-time check of a mac() output; false for any malformed tag rather than an exception, since tags come from clients.
bool verifyMac(const std::string& key32, std::string_view message, std::string_view mac_b64url);

/// crypto_secretbox_easy with a random nonce; output = base64url(nonce || ciphertext).
/// Throws std::invalid_argument when the key is not 32 bytes.
std::string seal(const std::string& key32, std::string_view plaintext);

/// Inverse of seal(); nullopt if the text was tampered with, truncated, not base64url or sealed under another key.
std::optional<std::string> open(const std::string& key32, std::string_view sealed);

}  // namespace rsolv::crypto
