#include "domain/email_address.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rsolv::domain {
namespace {

/// One input and what a person should get: the canonical address, or the error code.
struct EmailCase {
    const char* name;
    std::string input;
    std::string canonical;   // when ok
    std::string error_code;  // when not ok
};

EmailCase ok(const char* name, std::string input, std::string canonical) {
    return {name, std::move(input), std::move(canonical), ""};
}
EmailCase fails(const char* name, std::string input, std::string code) { return {name, std::move(input), "", std::move(code)}; }

std::string repeat(char c, size_t n) { return std::string(n, c); }

/// A valid domain of exactly `octets` characters: labels of at most 50 characters under ".com".
std::string domainOfLength(size_t octets) {
    std::string domain = "com";
    while (domain.size() < octets) {
        const size_t room = octets - domain.size();
        const size_t label = room > 51 ? 50 : room - 1;
        domain = repeat('d', label) + "." + domain;
    }
    return domain;
}

std::vector<EmailCase> emailCases() {
    using namespace std::string_literals;
    const std::string local64 = repeat('l', 64);
    const std::string domain_for_254 = domainOfLength(254 - 1 - 64);
    return {
        ok("plain", "user@example.com", "user@example.com"),
        ok("uppercase", "User.Name@Example.COM", "user.name@example.com"),
        ok("plus_tag", "user+tag@example.com", "user@example.com"),
        ok("plus_two_tags", "user+tag+more@example.com", "user@example.com"),
        ok("dots_kept_outside_gmail", "first.last@example.com", "first.last@example.com"),
        ok("gmail_dots_and_plus", "first.last+news@gmail.com", "firstlast@gmail.com"),
        ok("gmail_uppercase_dots", "F.i.R.s.T@GMAIL.com", "first@gmail.com"),
        ok("googlemail", "first.last@googlemail.com", "firstlast@gmail.com"),
        ok("googlemail_plus", "First.Last+x@GoogleMail.com", "firstlast@gmail.com"),
        ok("spaces_around", "  user@example.com  ", "user@example.com"),
        ok("tabs_around", "\tuser@example.com\t", "user@example.com"),
        ok("idn_muenchen", "user@münchen.de", "user@xn--mnchen-3ya.de"),
        ok("idn_japanese", "user@例え.jp", "user@xn--r8jz45g.jp"),
        ok("idn_uppercase", "user@Bücher.DE", "user@xn--bcher-kva.de"),
        ok("idn_cyrillic_tld", "user@пример.рф", "user@xn--e1afmkfd.xn--p1ai"),
        ok("punycode_input", "user@xn--mnchen-3ya.de", "user@xn--mnchen-3ya.de"),
        ok("punycode_uppercase", "user@XN--MNCHEN-3YA.DE", "user@xn--mnchen-3ya.de"),
        ok("second_level_suffix", "user@example.co.uk", "user@example.co.uk"),
        ok("suffix_without_tld_rule", "a@example.co.za", "a@example.co.za"),
        ok("wildcard_suffix", "a@example.com.bd", "a@example.com.bd"),
        ok("subdomain", "x@mail.sub.example.com", "x@mail.sub.example.com"),
        ok("apostrophe", "o'brien@example.ie", "o'brien@example.ie"),
        ok("all_atext_symbols", "a!#$%&'*/=?^_`{|}~-b@example.com", "a!#$%&'*/=?^_`{|}~-b@example.com"),
        ok("double_hyphen_ascii_domain", "a@ab--cd.com", "a@ab--cd.com"),
        ok("digits_domain", "a@123.com", "a@123.com"),
        ok("new_gtld", "hello@example.app", "hello@example.app"),
        ok("plus_only_local_kept", "+tag@example.com", "+tag@example.com"),
        ok("local_64", local64 + "@example.com", local64 + "@example.com"),
        ok("total_254", local64 + "@" + domain_for_254, local64 + "@" + domain_for_254),

        fails("empty", "", "required"),
        fails("only_spaces", "   \t ", "required"),
        fails("crlf_header_injection", "a@b.com\r\nBcc: x@y.com", "forbidden_character"),
        fails("trailing_newline", "a@example.com\n", "forbidden_character"),
        fails("lf_inside", "a\n@example.com", "forbidden_character"),
        fails("nul_inside", "a\0b@example.com"s, "forbidden_character"),
        fails("nul_only", "\0"s, "forbidden_character"),
        fails("del", "a@example.com\x7f", "forbidden_character"),
        fails("tab_inside", "a\tb@example.com", "forbidden_character"),
        fails("c1_control", "a@example.com\xc2\x85", "forbidden_character"),
        fails("line_separator", "a@example.com\xe2\x80\xa8", "forbidden_character"),
        fails("local_65", repeat('l', 65) + "@example.com", "too_long"),
        fails("total_255", local64 + "@" + domainOfLength(255 - 1 - 64), "too_long"),
        fails("huge_input", repeat('a', 5000) + "@example.com", "too_long"),
        fails("double_dot", "a..b@example.com", "invalid_format"),
        fails("leading_dot", ".a@example.com", "invalid_format"),
        fails("trailing_dot_local", "a.@example.com", "invalid_format"),
        fails("two_at", "a@b@example.com", "invalid_format"),
        fails("no_at", "example.com", "invalid_format"),
        fails("no_local", "@example.com", "invalid_format"),
        fails("no_domain", "a@", "invalid_format"),
        fails("quoted_local", "\"john doe\"@example.com", "invalid_format"),
        fails("quoted_local_plain", "\"john\"@example.com", "invalid_format"),
        fails("ip_literal", "a@[192.168.0.1]", "invalid_format"),
        fails("ipv6_literal", "a@[IPv6:2001:db8::1]", "invalid_format"),
        fails("space_inside_local", "a b@example.com", "invalid_format"),
        fails("comma_local", "a,b@example.com", "invalid_format"),
        fails("comment_local", "a(comment)@example.com", "invalid_format"),
        fails("non_ascii_local", "jörg@example.de", "invalid_format"),
        fails("invalid_utf8", "a@b\xff.com", "invalid_format"),
        fails("missing_tld", "a@example", "invalid_domain"),
        fails("localhost", "a@localhost", "invalid_domain"),
        fails("numeric_tld", "a@example.123", "invalid_domain"),
        fails("dotted_quad", "a@192.168.0.1", "invalid_domain"),
        fails("invalid_tld", "a@b.invalidtld", "invalid_domain"),
        fails("only_public_suffix", "a@co.uk", "invalid_domain"),
        fails("only_tld", "a@com", "invalid_domain"),
        fails("only_private_suffix", "a@github.io", "invalid_domain"),
        fails("double_dot_domain", "a@example..com", "invalid_domain"),
        fails("leading_dot_domain", "a@.example.com", "invalid_domain"),
        fails("trailing_dot_domain", "a@example.com.", "invalid_domain"),
        fails("leading_hyphen_label", "a@-example.com", "invalid_domain"),
        fails("trailing_hyphen_label", "a@example-.com", "invalid_domain"),
        fails("underscore_domain", "a@exa_mple.com", "invalid_domain"),
        fails("space_in_domain", "a@exam ple.com", "invalid_domain"),
        fails("label_64", "a@" + repeat('x', 64) + ".com", "invalid_domain"),
        fails("bad_punycode", "a@xn--zzzz.de", "invalid_domain"),
    };
}

class EmailCases : public ::testing::TestWithParam<EmailCase> {};

TEST_P(EmailCases, GivesTheExpectedOutcome) {
    const EmailCase& c = GetParam();
    const auto result = parseEmail(c.input);
    if (c.error_code.empty()) {
        ASSERT_TRUE(result.ok()) << "error " << result.error().code << ": " << result.error().message;
        EXPECT_EQ(result.value().canonical, c.canonical);
    } else {
        ASSERT_FALSE(result.ok()) << "accepted as " << result.value().canonical;
        EXPECT_EQ(result.error().code, c.error_code) << result.error().message;
        EXPECT_EQ(result.error().field, "email");
        EXPECT_FALSE(result.error().message.empty());
    }
}

INSTANTIATE_TEST_SUITE_P(Table, EmailCases, ::testing::ValuesIn(emailCases()),
                         [](const ::testing::TestParamInfo<EmailCase>& info) { return std::string(info.param.name); });

TEST(EmailCaseTable, IsLargeAndItsHelpersAreRight) {
    EXPECT_GE(emailCases().size(), 40u);
    EXPECT_EQ(domainOfLength(189).size(), 189u);
    EXPECT_EQ(domainOfLength(190).size(), 190u);
}

TEST(ParseEmail, KeepsWhatWasTypedAndConvertsTheDomain) {
    const auto result = parseEmail("  Hans.Meier+shop@München.DE ");
    ASSERT_TRUE(result.ok());
    const EmailAddress& a = result.value();
    EXPECT_EQ(a.as_typed, "Hans.Meier+shop@München.DE");
    EXPECT_EQ(a.local, "Hans.Meier+shop");
    EXPECT_EQ(a.domain, "xn--mnchen-3ya.de");
    EXPECT_EQ(a.canonical, "hans.meier@xn--mnchen-3ya.de");
    EXPECT_EQ(a.smtpAddress(), "Hans.Meier+shop@xn--mnchen-3ya.de");
}

TEST(ParseEmail, SameMailboxGivesSameCanonical) {
    const auto a = parseEmail("John.Smith+promo@googlemail.com");
    const auto b = parseEmail("johnsmith@GMAIL.COM");
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(a.value().canonical, b.value().canonical);
}

TEST(ParseEmail, ErrorMessagesAreSentences) {
    for (const char* input : {"", "a@b.com\r\n", "a..b@example.com", "a@localhost"}) {
        const auto result = parseEmail(input);
        ASSERT_FALSE(result.ok()) << input;
        const std::string& message = result.error().message;
        EXPECT_TRUE(message.front() >= 'A' && message.front() <= 'Z') << message;
        EXPECT_EQ(message.back(), '.') << message;
    }
}

TEST(CanonicalEmail, FoldsOnlyWhatReachesTheSameMailbox) {
    EXPECT_EQ(canonicalEmail("A.B+c", "Example.com"), "a.b@example.com");
    EXPECT_EQ(canonicalEmail("A.B+c", "gmail.com"), "ab@gmail.com");
    EXPECT_EQ(canonicalEmail("a.b", "googlemail.com"), "ab@gmail.com");
    EXPECT_EQ(canonicalEmail("a.b", "mail.gmail.com"), "a.b@mail.gmail.com");
    EXPECT_EQ(canonicalEmail("+x", "example.com"), "+x@example.com");
}

TEST(ParseName, AcceptsMarkupAsText) {
    const auto result = parseName("<script>alert(1)</script>", "name", true);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.value(), "<script>alert(1)</script>");
}

TEST(ParseName, TrimsAndKeepsUnicode) {
    const auto result = parseName("  Zoë Ångström-李 \t", "name", true);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.value(), "Zoë Ångström-李");
}

TEST(ParseName, RejectsControlCharacters) {
    using namespace std::string_literals;
    for (const std::string& input : {"Ann\nSmith"s, "Ann\r\nBcc: x"s, "Ann\0Smith"s, "Ann\x1b[31m"s, "Ann\tSmith"s,
                                     "Ann\x7f"s, "Ann\xc2\x85Smith"s, "Ann\xe2\x80\xa8Smith"s, "Ann\xe2\x80\xa9Smith"s,
                                     "Ann\xe2\x80\xaeSmith"s, "Ann\n"s}) {
        const auto result = parseName(input, "company", true);
        ASSERT_FALSE(result.ok()) << input;
        EXPECT_EQ(result.error().code, "forbidden_character");
        EXPECT_EQ(result.error().field, "company");
    }
}

TEST(ParseName, CountsCodePointsNotBytes) {
    std::string hundred;
    for (int i = 0; i < 100; ++i) hundred += "é";
    ASSERT_EQ(hundred.size(), 200u);
    EXPECT_TRUE(parseName(hundred, "name", true).ok());

    const auto too_long = parseName(hundred + "x", "name", true);
    ASSERT_FALSE(too_long.ok());
    EXPECT_EQ(too_long.error().code, "too_long");
    EXPECT_EQ(too_long.error().field, "name");

    EXPECT_TRUE(parseName(std::string(100, 'a'), "name", true).ok());
    EXPECT_FALSE(parseName(std::string(101, 'a'), "name", true).ok());
}

TEST(ParseName, RejectsInvalidUtf8) {
    for (const char* input : {"Ann\xff", "Ann\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80"}) {
        const auto result = parseName(input, "name", true);
        ASSERT_FALSE(result.ok()) << input;
        EXPECT_EQ(result.error().code, "invalid_format");
    }
}

TEST(ParseName, EmptyIsOkOnlyWhenOptional) {
    const auto optional = parseName("   ", "company", false);
    ASSERT_TRUE(optional.ok());
    EXPECT_EQ(optional.value(), "");

    const auto required = parseName("  ", "name", true);
    ASSERT_FALSE(required.ok());
    EXPECT_EQ(required.error().code, "required");
    EXPECT_EQ(required.error().field, "name");
}

}  // namespace
}  // namespace rsolv::domain
