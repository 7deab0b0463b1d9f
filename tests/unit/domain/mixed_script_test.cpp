// Issue 9 item 10: IDN homographs. A domain label that mixes scripts (UTS #39 section 5.1: the resolved script set
// of the label is empty, Common and Inherited characters going with any script, Han going with Hiragana and Katakana,
// with Hangul, or with Bopomofo) is refused with a clear message; whole-script non-Latin domains stay accepted.

#include <gtest/gtest.h>

#include <string>

#include "domain/email_address.h"
#include "domain/mixed_script.h"

namespace rsolv::domain {
namespace {

TEST(MixedScript, SingleScriptLabels) {
    for (const char* label : {"paypal", "bücher", "straße", "пример", "παράδειγμα", "例え", "日本語ドメイン",
                              "ひらがなカタカナ漢字", "한국어", "漢字한글", "中文ㄅㄆ", "ドメイン-123", "x1-2",
                              "עברית", "مثال", "ไทย", "ქართული", "e\xcc\x81t\xc3\xa9"})
        EXPECT_FALSE(isMixedScriptLabel(label)) << label;
}

TEST(MixedScript, MixedScriptLabels) {
    for (const char* label : {"p\xd0\xb0ypal",          // Cyrillic а among Latin letters
                              "g\xce\xbfogle",          // Greek omicron
                              "\xd0\xb0pple",           // Cyrillic а first
                              "аррlе",                  // mostly Cyrillic with Latin l and e
                              "abc中文",                // Latin with Han: not one of UTS #39's allowed sets
                              "ひらがな한국",            // Hiragana with Hangul
                              "кириллица-ελληνικά",     // Cyrillic with Greek around a hyphen
                              "\xd5\xb8rsolv"})         // Armenian ո (U+0578) with Latin
        EXPECT_TRUE(isMixedScriptLabel(label)) << label;
}

TEST(MixedScript, SignupRefusesAMixedLabelWithAClearMessage) {
    for (const char* address : {"ceo@p\xd0\xb0ypal.com", "ceo@g\xce\xbfogle.com", "ceo@xn--pypal-4ve.com"}) {
        const auto r = parseEmail(address);
        ASSERT_FALSE(r.ok()) << address;
        EXPECT_EQ(r.error().code, "mixed_script") << address;
        EXPECT_EQ(r.error().field, "email");
        EXPECT_NE(r.error().message.find("mixes letters from different alphabets"), std::string::npos)
            << r.error().message;
    }
}

TEST(MixedScript, WholeScriptDomainsAndMixedLabelsAcrossDotsStayAccepted) {
    for (const char* address : {"user@пример.рф", "user@例え.jp", "user@münchen.de", "user@пример.com",
                                "user@παράδειγμα.gr", "user@한국어.kr", "user@xn--mnchen-3ya.de", "user@example.com"})
    {
        const auto r = parseEmail(address);
        EXPECT_TRUE(r.ok()) << address << ": " << (r.ok() ? "" : r.error().message);
    }
}

}  // namespace
}  // namespace rsolv::domain
