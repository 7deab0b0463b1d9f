#include "common/base62.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace rsolv {

namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// 62^5, the largest power of 62 below 2^32: dividing 32-bit limbs by it yields five digits per pass.
constexpr std::uint64_t kChunk = 916132832ULL;
constexpr int kDigitsPerChunk = 5;

/// `digits` holds the number least significant digit first; strips, checks, pads and turns it around.
std::string finish(std::string digits, std::size_t width) {
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    if (digits.size() > width) throw std::invalid_argument("value does not fit in the base62 width");
    digits.resize(width, '0');
    std::reverse(digits.begin(), digits.end());
    return digits;
}

}  // namespace

std::string base62EncodeFixed(std::string_view bytes, std::size_t width) {
    // Big-endian 32-bit limbs, the first one left-padded with zero bytes.
    std::vector<std::uint32_t> limbs((bytes.size() + 3) / 4, 0);
    const std::size_t pad = limbs.size() * 4 - bytes.size();
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const std::size_t at = i + pad;
        limbs[at / 4] |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << (8 * (3 - at % 4));
    }

    std::string digits;
    digits.reserve(width + kDigitsPerChunk);
    std::size_t first = 0;  // index of the most significant non-zero limb
    while (first < limbs.size() && limbs[first] == 0) ++first;
    while (first < limbs.size()) {
        std::uint64_t rem = 0;
        for (std::size_t i = first; i < limbs.size(); ++i) {
            const std::uint64_t cur = (rem << 32) | limbs[i];
            limbs[i] = static_cast<std::uint32_t>(cur / kChunk);
            rem = cur % kChunk;
        }
        for (int d = 0; d < kDigitsPerChunk; ++d) {
            digits.push_back(kAlphabet[rem % 62]);
            rem /= 62;
        }
        while (first < limbs.size() && limbs[first] == 0) ++first;
    }
    // The limbs are all zero again here, so no copy of a secret input is left behind in them.
    return finish(std::move(digits), width);
}

std::string base62EncodeU32(std::uint32_t v, std::size_t width) {
    std::string digits;
    while (v != 0) {
        digits.push_back(kAlphabet[v % 62]);
        v /= 62;
    }
    return finish(std::move(digits), width);
}

bool isBase62(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), isBase62Char);
}

}  // namespace rsolv
