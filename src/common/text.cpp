#include "common/text.h"

#include <charconv>

#include <cctype>

namespace rsolv {
namespace {

/// Length of the valid UTF-8 sequence at `s[i]`, or 0.
size_t sequenceLength(std::string_view s, size_t i) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    size_t n = 0;
    unsigned min = 0;
    unsigned cp = 0;
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07, min = 0x10000;
    else return 0;
    if (i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
        if ((b(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b(i + k) & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

}  // namespace

std::string sanitizeUtf8(std::string_view text, size_t max_bytes) {
    static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
    std::string out;
    out.reserve(std::min(text.size(), max_bytes));
    size_t i = 0;
    while (i < text.size()) {
        size_t n = sequenceLength(text, i);
        std::string_view piece;
        if (n == 0) {
            piece = kReplacement;
            n = 1;
        } else if (n == 1 && (static_cast<unsigned char>(text[i]) < 0x20 || text[i] == 0x7f)) {
            piece = kReplacement;
        } else {
            piece = text.substr(i, n);
        }
        if (out.size() + piece.size() > max_bytes) break;
        out.append(piece);
        i += n;
    }
    return out;
}

std::optional<std::int64_t> wholeNumber(std::string_view text) {
    std::int64_t v = 0;
    if (text.empty() || text.size() > 19) return std::nullopt;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || v < 0) return std::nullopt;
    return v;
}

std::string urlEncode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += char(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

}  // namespace rsolv
