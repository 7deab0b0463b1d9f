#include "common/base62.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace rsolv {
namespace {

TEST(Base62, AllZeroBytesArePadding) {
    EXPECT_EQ(base62EncodeFixed(std::string(32, '\0'), 43), std::string(43, '0'));
    EXPECT_EQ(base62EncodeFixed("", 3), "000");
    EXPECT_EQ(base62EncodeFixed("", 0), "");
}

TEST(Base62, SmallKnownValues) {
    EXPECT_EQ(base62EncodeFixed("\x01", 1), "1");
    EXPECT_EQ(base62EncodeFixed("\x0a", 1), "A");
    EXPECT_EQ(base62EncodeFixed("\x24", 1), "a");
    EXPECT_EQ(base62EncodeFixed("\x3d", 1), "z");
    EXPECT_EQ(base62EncodeFixed("\x3e", 2), "10");
    EXPECT_EQ(base62EncodeFixed("\x3e", 5), "00010");
    EXPECT_EQ(base62EncodeFixed("\xff", 2), "47");                                // 255 = 4 * 62 + 7
    EXPECT_EQ(base62EncodeFixed(std::string("\x00\x00\x01\x00", 4), 2), "48");  // 256, leading zero bytes ignored
    EXPECT_EQ(base62EncodeU32(62, 2), "10");
    EXPECT_EQ(base62EncodeU32(0, 6), "000000");
    EXPECT_EQ(base62EncodeU32(61, 1), "z");
}

TEST(Base62, MultiChunkValues) {
    // 2^32 and 2^32 - 1, computed independently (Python).
    EXPECT_EQ(base62EncodeFixed(std::string("\x01\x00\x00\x00\x00", 5), 6), "4gfFC4");
    EXPECT_EQ(base62EncodeU32(0xFFFFFFFFu, 6), "4gfFC3");
    EXPECT_EQ(base62EncodeFixed("\xff\xff\xff\xff", 6), "4gfFC3");
    // 62^5 exactly sits on the chunk boundary the encoder divides by.
    EXPECT_EQ(base62EncodeU32(916132832u, 6), "100000");
    EXPECT_EQ(base62EncodeFixed("\x36\x9b\x13\xe0", 6), "100000");  // 916132832 big-endian
    EXPECT_EQ(base62EncodeU32(916132831u, 6), "0zzzzz");
}

TEST(Base62, LargestValuesFitTheirWidths) {
    const std::string max256 = base62EncodeFixed(std::string(32, '\xff'), 43);
    EXPECT_EQ(max256.size(), 43u);
    EXPECT_TRUE(isBase62(max256));
    EXPECT_EQ(max256, "yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp1");  // 2^256 - 1, computed independently (Python)
    EXPECT_THROW(base62EncodeFixed(std::string(32, '\xff'), 42), std::invalid_argument);
    EXPECT_EQ(base62EncodeU32(0xFFFFFFFFu, 6).size(), 6u);
    EXPECT_THROW(base62EncodeU32(0xFFFFFFFFu, 5), std::invalid_argument);
    EXPECT_THROW(base62EncodeFixed("\x3e", 1), std::invalid_argument);
}

TEST(Base62, EncodingPreservesOrder) {
    // A fixed-width encoding of big-endian numbers sorts like the numbers: a cheap check that no digit is misplaced.
    std::string previous;
    for (std::uint32_t v = 0; v < 200000; v += 7) {
        const std::string encoded = base62EncodeU32(v, 4);
        EXPECT_LT(previous, encoded);
        previous = encoded;
    }
}

TEST(Base62, IsBase62) {
    EXPECT_TRUE(isBase62("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"));
    EXPECT_FALSE(isBase62(""));
    EXPECT_FALSE(isBase62("abc-def"));
    EXPECT_FALSE(isBase62("abc_def"));
    EXPECT_FALSE(isBase62("abc def"));
    EXPECT_FALSE(isBase62("caf\xc3\xa9"));
    EXPECT_FALSE(isBase62(std::string("ab\0c", 4)));
}

}  // namespace
}  // namespace rsolv
