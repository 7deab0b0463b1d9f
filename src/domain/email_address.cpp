#include "domain/email_address.h"

#include <idn2.h>
#include <libpsl.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <variant>

#include "domain/mixed_script.h"

namespace rsolv::domain {
namespace {

constexpr size_t kMaxAddressOctets = 254;  // RFC 5321 path limit (256) less the angle brackets
constexpr size_t kMaxLocalOctets = 64;
constexpr size_t kMaxLabelOctets = 63;
/// Longer input cannot become a valid address; refusing it early keeps libidn2 away from megabytes of junk.
constexpr size_t kMaxInputOctets = 1024;
constexpr size_t kMaxNameCodePoints = 100;

Error emailError(const char* code, const char* message) { return Error{code, "email", message}; }

char asciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string asciiLower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = asciiLower(c);
    return out;
}

/// Only spaces and tabs are trimmed: CR, LF and the rest are refused wherever they are, because a browser never
/// sends them in a one-line field and at the edges they are the classic header-injection payload.
std::string_view trimBlanks(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// Decodes one code point at `pos`, refusing overlong forms, surrogates and values past U+10FFFF.
std::optional<char32_t> nextCodePoint(std::string_view s, size_t& pos) {
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char b0 = byte(pos);
    size_t len;
    char32_t cp;
    char32_t min;
    if (b0 < 0x80) {
        ++pos;
        return b0;
    } else if ((b0 & 0xE0) == 0xC0) {
        len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
        return std::nullopt;
    }
    if (pos + len > s.size()) return std::nullopt;
    for (size_t i = 1; i < len; ++i) {
        const unsigned char b = byte(pos + i);
        if ((b & 0xC0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    pos += len;
    return cp;
}

/// Characters that break a line, a header or a log record, or reorder how the text around them is shown.
bool isForbidden(char32_t cp) {
    const bool control = cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
    const bool line_separator = cp == 0x2028 || cp == 0x2029;
    const bool bidi_override = (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
    return control || line_separator || bidi_override;
}

enum class TextProblem { none, invalid_utf8, forbidden_character };

struct TextScan {
    TextProblem problem = TextProblem::none;
    size_t code_points = 0;
};

TextScan scanText(std::string_view s) {
    TextScan scan;
    for (size_t pos = 0; pos < s.size();) {
        const auto cp = nextCodePoint(s, pos);
        if (!cp) return {TextProblem::invalid_utf8, scan.code_points};
        if (isForbidden(*cp)) return {TextProblem::forbidden_character, scan.code_points};
        ++scan.code_points;
    }
    return scan;
}

bool isAtext(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    static constexpr std::string_view kSymbols = "!#$%&'*+/=?^_`{|}~-";
    return kSymbols.find(c) != std::string_view::npos;
}

/// RFC 5322 dot-atom. Quoted strings are valid RFC 5322 but no provider gives them out and many systems mangle them;
/// non-ASCII local parts need SMTPUTF8 on every hop, which is far from universal, so both are refused.
bool isDotAtom(std::string_view local) {
    if (local.empty() || local.front() == '.' || local.back() == '.') return false;
    char previous = '\0';
    for (char c : local) {
        if (c == '.' ? previous == '.' : !isAtext(c)) return false;
        previous = c;
    }
    return true;
}

bool isLdhLabel(std::string_view label) {
    if (label.empty() || label.size() > kMaxLabelOctets) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    return true;
}

bool needsIdnConversion(std::string_view domain) {
    for (char c : domain)
        if (static_cast<unsigned char>(c) >= 0x80) return true;
    // A punycode label must be a valid A-label; libidn2 checks that.
    const std::string lower = asciiLower(domain);
    return lower.rfind("xn--", 0) == 0 || lower.find(".xn--") != std::string::npos;
}

struct IdnFailure {
    int rc;
};

/// UTS 46 non-transitional first (so "faß.de" stays "faß.de", as browsers do it); transitional as a fallback for the
/// few names only IDNA2003 rules accept. Plain ASCII names skip libidn2: it refuses legal ones such as "ab--cd.com".
std::variant<std::string, IdnFailure> toAsciiDomain(std::string_view domain) {
    if (!needsIdnConversion(domain)) return asciiLower(domain);
    const std::string input(domain);
    int rc = 0;
    for (int flags : {IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT, IDN2_TRANSITIONAL | IDN2_NFC_INPUT}) {
        char* out = nullptr;
        rc = idn2_to_ascii_8z(input.c_str(), &out, flags);
        std::unique_ptr<char, decltype(&std::free)> owned(out, &std::free);
        if (rc == IDN2_OK && out) return asciiLower(out);
    }
    return IdnFailure{rc};
}

/// UTS #39: a label that mixes scripts ("pаypal" with a Cyrillic а) is how a domain imitates another. Each label
/// is checked in its Unicode form, whether it was typed so or as punycode.
std::optional<Error> checkScripts(std::string_view ascii_domain) {
    for (std::string_view rest = ascii_domain;;) {
        const size_t dot = rest.find('.');
        const std::string label(rest.substr(0, dot));
        if (label.rfind("xn--", 0) == 0) {
            char* out = nullptr;
            const int rc = idn2_to_unicode_8z8z(label.c_str(), &out, 0);
            std::unique_ptr<char, decltype(&std::free)> owned(out, &std::free);
            if (rc != IDN2_OK || !out || isMixedScriptLabel(out))
                return emailError("mixed_script",
                                  "The domain after the @ mixes letters from different alphabets (such as Latin and "
                                  "Cyrillic), which is how look-alike addresses are made. Please type it with the "
                                  "letters of one alphabet.");
        }
        if (dot == std::string_view::npos) return std::nullopt;
        rest.remove_prefix(dot + 1);
    }
}

/// libpsl's built-in list is immutable and safe to query from any thread.
const psl_ctx_t* publicSuffixes() { return psl_builtin(); }

std::optional<Error> checkDomain(std::string_view ascii_domain) {
    const auto invalid = [] {
        return emailError("invalid_domain",
                          "The part after the @ is not a domain that can receive email. Please check it for typos.");
    };
    size_t labels = 0;
    for (std::string_view rest = ascii_domain;;) {
        const size_t dot = rest.find('.');
        if (!isLdhLabel(rest.substr(0, dot))) return invalid();
        ++labels;
        if (dot == std::string_view::npos) break;
        rest.remove_prefix(dot + 1);
    }
    if (labels < 2) return invalid();

    const psl_ctx_t* psl = publicSuffixes();
    if (!psl) return invalid();
    const std::string domain_z(ascii_domain);
    // "co.uk" or "github.io" alone names no one's mail server.
    if (psl_is_public_suffix2(psl, domain_z.c_str(), PSL_TYPE_ANY)) return invalid();
    // Some suffix of the name must match a rule of the list itself, not its implicit "*": that refuses unknown TLDs
    // (localhost, invalidtld, 123). Testing the TLD alone is not enough: the list has "co.za" but no "za".
    for (size_t dot = domain_z.find('.'); dot != std::string::npos; dot = domain_z.find('.', dot + 1))
        if (psl_is_public_suffix2(psl, domain_z.c_str() + dot + 1, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE))
            return std::nullopt;
    return invalid();
}

}  // namespace

std::string canonicalEmail(std::string_view local, std::string_view ascii_domain) {
    std::string user = asciiLower(local);
    std::string host = asciiLower(ascii_domain);
    // "+" alone at the start is the whole name of the mailbox, not a tag.
    if (const size_t plus = user.find('+'); plus != std::string::npos && plus > 0) user.resize(plus);
    if (host == "googlemail.com") host = "gmail.com";
    if (host == "gmail.com") std::erase(user, '.');
    return user + "@" + host;
}

Result<EmailAddress> parseEmail(std::string_view input) {
    const std::string_view text = trimBlanks(input);
    if (text.size() > kMaxInputOctets)
        return emailError("too_long", "That email address is too long. Please check it and try again.");

    switch (scanText(text).problem) {
        case TextProblem::forbidden_character:
            return emailError("forbidden_character",
                              "The email address contains a line break or another invisible control character. "
                              "Please type it on one line.");
        case TextProblem::invalid_utf8:
            return emailError("invalid_format",
                              "The email address contains characters we could not read. Please type it again.");
        case TextProblem::none:
            break;
    }
    if (text.empty()) return emailError("required", "Please enter your email address.");

    const auto bad_format = [] {
        return emailError("invalid_format", "Please enter an email address in the form name@example.com.");
    };
    const size_t at = text.find('@');
    if (at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos) return bad_format();
    const std::string_view local = text.substr(0, at);
    const std::string_view domain = text.substr(at + 1);
    if (local.empty() || domain.empty()) return bad_format();

    if (local.size() > kMaxLocalOctets)
        return emailError("too_long", "The part before the @ is too long: it can be at most 64 characters.");
    if (!isDotAtom(local))
        return emailError("invalid_format",
                          "The part before the @ can only contain Latin letters, digits, dots that are not next to "
                          "each other or at either end, and the symbols ! # $ % & ' * + / = ? ^ _ ` { | } ~ -.");

    if (domain.front() == '[')
        return emailError("invalid_format", "Please use an address with a domain name after the @, not an IP address.");

    const auto converted = toAsciiDomain(domain);
    if (const auto* failure = std::get_if<IdnFailure>(&converted)) {
        if (failure->rc == IDN2_TOO_BIG_DOMAIN)
            return emailError("too_long", "That email address is too long. Please check it and try again.");
        return emailError("invalid_domain",
                          "The part after the @ is not a domain that can receive email. Please check it for typos.");
    }
    const std::string& ascii_domain = std::get<std::string>(converted);

    if (local.size() + 1 + ascii_domain.size() > kMaxAddressOctets)
        return emailError("too_long", "That email address is too long. Please check it and try again.");
    if (auto error = checkDomain(ascii_domain)) return *error;
    if (auto error = checkScripts(ascii_domain)) return *error;

    EmailAddress address;
    address.as_typed = std::string(text);
    address.local = std::string(local);
    address.domain = ascii_domain;
    address.canonical = canonicalEmail(local, ascii_domain);
    return address;
}

Result<std::string> parseName(std::string_view input, std::string_view field, bool required) {
    const std::string_view text = trimBlanks(input);
    const auto error = [&](const char* code, const char* message) {
        return Error{code, std::string(field), message};
    };
    const TextScan scan = scanText(text);
    switch (scan.problem) {
        case TextProblem::forbidden_character:
            return error("forbidden_character",
                         "This contains a line break or another invisible control character. Please remove it.");
        case TextProblem::invalid_utf8:
            return error("invalid_format", "This contains characters we could not read. Please type it again.");
        case TextProblem::none:
            break;
    }
    if (text.empty()) {
        if (required) return error("required", "Please fill in this field.");
        return std::string();
    }
    if (scan.code_points > kMaxNameCodePoints) return error("too_long", "Please keep this to 100 characters or fewer.");
    return std::string(text);
}

}  // namespace rsolv::domain
