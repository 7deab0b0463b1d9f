// What the signup form says about what people type, through the real form on both backends: a table of email
// addresses, names with markup and with control characters, and values kept (escaped) when the form comes back.

#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "integration/signup_test_helpers.h"
#include "storage/customer_repository.h"
#include "support/test_app.h"

namespace rsolv::test {
namespace {

constexpr const char* kRequired = "Please enter your email address.";
constexpr const char* kFormat = "Please enter an email address in the form name@example.com.";
constexpr const char* kLocal =
    "The part before the @ can only contain Latin letters, digits, dots that are not next to each other or at either "
    "end, and the symbols ! # $ % & ' * + / = ? ^ _ ` { | } ~ -.";
constexpr const char* kLocalTooLong = "The part before the @ is too long: it can be at most 64 characters.";
constexpr const char* kDomain =
    "The part after the @ is not a domain that can receive email. Please check it for typos.";
constexpr const char* kTooLong = "That email address is too long. Please check it and try again.";
constexpr const char* kIpLiteral = "Please use an address with a domain name after the @, not an IP address.";
constexpr const char* kControl =
    "The email address contains a line break or another invisible control character. Please type it on one line.";
constexpr const char* kUnreadable = "The email address contains characters we could not read. Please type it again.";
constexpr const char* kDisposable =
    "We can't open accounts for disposable email addresses, because we need to reach you about your fixes. Please "
    "use an address you'll keep — a private relay such as Firefox Relay or Hide My Email is fine.";

constexpr const char* kMixedScript =
    "The domain after the @ mixes letters from different alphabets (such as Latin and Cyrillic), which is how "
    "look-alike addresses are made. Please type it with the letters of one alphabet.";

constexpr const char* kNameControl =
    "This contains a line break or another invisible control character. Please remove it.";

/// Control characters and invalid bytes made visible for failure messages.
std::string printable(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7f || c >= 0x80) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out.size() > 120 ? out.substr(0, 120) + "...(" + std::to_string(s.size()) + " bytes)" : out;
}

struct EmailCase {
    std::string input;
    std::string message;    ///< empty: accepted (303)
    std::string canonical;  ///< accepted: the canonical address stored
};

std::vector<EmailCase> emailCases() {
    const std::string local64(64, 'a');
    const std::string label63a(63, 'a'), label63b(63, 'b'), label63c(63, 'c');
    return {
        // Accepted, with the canonical form they are stored under.
        {"jane@example.com", "", "jane@example.com"},
        {"Jane.Doe@Example.COM", "", "jane.doe@example.com"},
        {"first.last+tag@gmail.com", "", "firstlast@gmail.com"},
        {"o'brien@example.ie", "", "o'brien@example.ie"},
        {"user_name@sub.example.co.uk", "", "user_name@sub.example.co.uk"},
        {"x@example.io", "", "x@example.io"},
        {"  padded@example.com\t", "", "padded@example.com"},
        {"user@faß.de", "", "user@xn--fa-hia.de"},
        {"user@münchen.de", "", "user@xn--mnchen-3ya.de"},
        {"other@XN--MNCHEN-3YA.DE", "", "other@xn--mnchen-3ya.de"},
        {"user@ab--cd.com", "", "user@ab--cd.com"},
        {"user@example.museum", "", "user@example.museum"},
        {"abc123@mozmail.com", "", "abc123@mozmail.com"},
        {"x@duck.com", "", "x@duck.com"},
        {"!#$%&'*+/=?^_`{|}~-@example.com", "", "!#$%&'*@example.com"},
        {local64 + "@example.com", "", local64 + "@example.com"},
        {"user@123.com", "", "user@123.com"},
        {"a@b.co", "", "a@b.co"},
        {"user+@example.org", "", "user@example.org"},
        {"+tag@example.com", "", "+tag@example.com"},
        {"deep@a.b.c.example.net", "", "deep@a.b.c.example.net"},
        {"user@пример.рф", "", "user@xn--e1afmkfd.xn--p1ai"},  // one script (Cyrillic) per label: accepted
        {"user@例え.jp", "", "user@xn--r8jz45g.jp"},
        // Refused, with the sentence shown next to the field.
        {"", kRequired, ""},
        {"   ", kRequired, ""},
        {"plainaddress", kFormat, ""},
        {"@example.com", kFormat, ""},
        {"user@", kFormat, ""},
        {"a@b@example.com", kFormat, ""},
        {"user@@example.com", kFormat, ""},
        {".user@example.com", kLocal, ""},
        {"user.@example.com", kLocal, ""},
        {"us..er@example.com", kLocal, ""},
        {"\"quoted\"@example.com", kLocal, ""},
        {"user name@example.com", kLocal, ""},
        {"jörg@example.com", kLocal, ""},
        {"user(comment)@example.com", kLocal, ""},
        {"user,x@example.com", kLocal, ""},
        {"<script>@example.com", kLocal, ""},
        {std::string(65, 'a') + "@example.com", kLocalTooLong, ""},
        {"user@[127.0.0.1]", kIpLiteral, ""},
        {"user@127.0.0.1", kDomain, ""},
        {"user@localhost", kDomain, ""},
        {"user@example.invalidtld", kDomain, ""},
        {"user@example.c", kDomain, ""},
        {"user@co.uk", kDomain, ""},
        {"user@github.io", kDomain, ""},
        {"user@-example.com", kDomain, ""},
        {"user@example-.com", kDomain, ""},
        {"user@exa_mple.com", kDomain, ""},
        {"user@example..com", kDomain, ""},
        {"user@.example.com", kDomain, ""},
        {"user@example.com.", kDomain, ""},
        {"user@xn--a.com", kDomain, ""},
        {"user@" + std::string(64, 'a') + ".com", kDomain, ""},
        {local64 + "@" + label63a + "." + label63b + "." + label63c + ".com", kTooLong, ""},
        {std::string(2000, 'a') + "@example.com", kTooLong, ""},
        {"user@example.com\r\nBcc: victim@example.com", kControl, ""},
        {"user\x01@example.com", kControl, ""},
        {"user@exam\u2028ple.com", kControl, ""},
        {"user\u202e@example.com", kControl, ""},
        {"user@example.com\x7f", kControl, ""},
        {"\xff\xfe@example.com", kUnreadable, ""},
        {"user@\xc3\x28.com", kUnreadable, ""},
        {"x@mailinator.com", kDisposable, ""},
        {"ceo@p\xd0\xb0ypal.com", kMixedScript, ""},  // Latin with a Cyrillic а (UTS #39 mixed script)
        {"ceo@g\xce\xbfogle.com", kMixedScript, ""},  // Latin with a Greek omicron
        {"ceo@xn--pypal-4ve.com", kMixedScript, ""},    // the same, typed as punycode
        {"x@sub.mailinator.com", kDisposable, ""},
    };
}

class SignupValidation : public ::testing::TestWithParam<Backend> {};

TEST_P(SignupValidation, EmailInputTable) {
    TestApp app(GetParam(), signupConfig([](app::Config& c) { c.signups_per_ip_per_hour = 1000; }));
    const auto cases = emailCases();
    ASSERT_GE(cases.size(), 40u);
    int accepted = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE("email \"" + printable(c.input) + "\"");
        HttpClient browser(app.port(), app.publicUrl());
        const auto res = browser.signup(c.input, "Jane Doe", "Acme");
        if (c.message.empty()) {
            ASSERT_EQ(res.status, 303) << fieldError(res.body, "email");
            ++accepted;
            const auto customer = storage::inTransaction(app.db(), storage::TxMode::Read, [&](storage::Transaction& tx) {
                return storage::CustomerRepository(tx).findByCanonicalEmail(c.canonical);
            });
            ASSERT_TRUE(customer) << "no customer stored under " << c.canonical;
            std::string trimmed = c.input;
            while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t')) trimmed.erase(0, 1);
            while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t')) trimmed.pop_back();
            EXPECT_EQ(customer->email, trimmed);
        } else {
            EXPECT_EQ(res.status, 422) << res.body;
            EXPECT_EQ(fieldError(res.body, "email"), c.message);
            EXPECT_EQ(fieldError(res.body, "name"), "");
            EXPECT_EQ(fieldError(res.body, "company"), "");
            EXPECT_NE(res.body.find("aria-describedby=\"email-error\""), std::string::npos);
            EXPECT_NE(res.body.find("Please check the form"), std::string::npos);
            EXPECT_EQ(formValue(res.body, "email"), c.input.substr(0, 254)) << "the value is not kept in the form";
            EXPECT_EQ(formValue(res.body, "name"), "Jane Doe");
            EXPECT_EQ(formValue(res.body, "company"), "Acme");
            EXPECT_FALSE(setsCookie(res, "rsolv_session"));
        }
    }
    EXPECT_EQ(app.count("customers"), accepted);
    EXPECT_EQ(app.count("api_keys"), accepted);
    EXPECT_EQ(app.count("provisioning_events", "event_type = 'signup_rejected'"),
              static_cast<std::int64_t>(cases.size()) - accepted);
}

TEST_P(SignupValidation, MarkupInNameIsAcceptedAndShownEscaped) {
    TestApp app(GetParam(), signupConfig());
    HttpClient browser(app.port(), app.publicUrl());
    const std::string name = "<script>alert(1)</script>";
    const std::string company = "\"><img src=x onerror=alert(2)>";
    const auto res = browser.signup("jane@example.com", name, company);
    ASSERT_EQ(res.status, 303) << res.body;

    const auto welcome = browser.get("/welcome");
    ASSERT_EQ(welcome.status, 200);
    EXPECT_EQ(welcome.body.find("<script>alert(1)"), std::string::npos) << "the name was written into the page raw";
    EXPECT_NE(welcome.body.find("Welcome to RSOLV, &lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos)
        << welcome.body;

    const auto customer = storage::inTransaction(app.db(), storage::TxMode::Read, [&](storage::Transaction& tx) {
        return storage::CustomerRepository(tx).findByCanonicalEmail("jane@example.com");
    });
    ASSERT_TRUE(customer);
    EXPECT_EQ(customer->name, name) << "markup is text: stored as typed";
    EXPECT_EQ(customer->company, std::optional<std::string>(company));
}

TEST_P(SignupValidation, ControlCharactersInNameAreRefused) {
    TestApp app(GetParam(), signupConfig());
    struct NameCase {
        std::string name;
        std::string message;
    };
    const std::vector<NameCase> cases = {
        {"Jane\nDoe", kNameControl},
        {"Jane\r\nDoe", kNameControl},
        {"Jane\x01", kNameControl},
        {"Jane\u2028Doe", kNameControl},
        {"Jane\u2029Doe", kNameControl},
        {"Jane\u202eeoD", kNameControl},
        {"Jane\u2066Doe", kNameControl},
        {"Jane\x7f", kNameControl},
        {"Jane\xc2\x85", kNameControl},  // U+0085 NEL
        {"Jane\xc3\x28", "This contains characters we could not read. Please type it again."},
        {"", "Please fill in this field."},
        {" \t ", "Please fill in this field."},
        {std::string(101, 'x'), "Please keep this to 100 characters or fewer."},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE("name \"" + printable(c.name) + "\"");
        HttpClient browser(app.port(), app.publicUrl());
        const auto res = browser.signup("jane@example.com", c.name);
        EXPECT_EQ(res.status, 422) << res.body;
        EXPECT_EQ(fieldError(res.body, "name"), c.message);
        EXPECT_EQ(fieldError(res.body, "email"), "");
        EXPECT_NE(res.body.find("aria-describedby=\"name-error\""), std::string::npos);
        EXPECT_EQ(formValue(res.body, "email"), "jane@example.com");
    }

    // The optional company field is held to the same rules and names itself.
    HttpClient browser(app.port(), app.publicUrl());
    const auto res = browser.signup("jane@example.com", "Jane Doe", "Acme\nBcc: x@example.com");
    EXPECT_EQ(res.status, 422);
    EXPECT_EQ(fieldError(res.body, "company"), kNameControl);
    EXPECT_EQ(fieldError(res.body, "name"), "");

    EXPECT_EQ(app.count("customers"), 0);
    EXPECT_EQ(app.count("rate_limit_hits"), 0);

    // A long name of 100 code points (200 bytes) is fine, and so are letters from any script.
    HttpClient ok(app.port(), app.publicUrl());
    std::string hundred;
    for (int i = 0; i < 100; ++i) hundred += "é";
    EXPECT_EQ(ok.signup("jane@example.com", hundred).status, 303);
    HttpClient ok2(app.port(), app.publicUrl());
    EXPECT_EQ(ok2.signup("zoe@example.com", "Zoë 山田 O'Brien-Ñúñez").status, 303);
}

TEST_P(SignupValidation, ValuesAreKeptEscapedOnError) {
    TestApp app(GetParam(), signupConfig());
    HttpClient browser(app.port(), app.publicUrl());
    const std::string email = "\"><script>alert(1)</script>";
    const std::string name = "<b>\"Jane\" & 'Co'</b>";
    const std::string company = "<i>Acme</i>";
    const auto res = browser.signup(email, name, company);
    ASSERT_EQ(res.status, 422) << res.body;
    EXPECT_EQ(res.body.find("<script>alert(1)"), std::string::npos) << "the email was written into the page raw";
    EXPECT_EQ(res.body.find("<b>\"Jane\""), std::string::npos) << "the name was written into the page raw";
    EXPECT_EQ(res.body.find("<i>Acme"), std::string::npos) << "the company was written into the page raw";
    EXPECT_EQ(rawInputValue(res.body, "email"), "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
    EXPECT_EQ(formValue(res.body, "email"), email);
    EXPECT_EQ(formValue(res.body, "name"), name);
    EXPECT_EQ(formValue(res.body, "company"), company);
    EXPECT_EQ(fieldError(res.body, "email"), kFormat);

    // The page comes back with a fresh token, so fixing the address and sending again works.
    const std::string token = formValue(res.body, "csrf_token");
    ASSERT_FALSE(token.empty());
    const auto fixed =
        browser.postForm("/signup", {{"csrf_token", token}, {"email", "jane@example.com"}, {"name", name}});
    EXPECT_EQ(fixed.status, 303) << fixed.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, SignupValidation, kBothBackends, backendName);

}  // namespace
}  // namespace rsolv::test
