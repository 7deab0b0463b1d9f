#include "domain/mixed_script.h"

#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <bitset>

namespace rsolv::domain {
namespace {

/// A set of ICU script codes; the pseudo-scripts Jpan, Kore and Hanb are codes of their own too.
using ScriptSet = std::bitset<512>;
static_assert(USCRIPT_CODE_LIMIT <= 512, "ICU knows more scripts than ScriptSet holds");

/// The augmented script set of one code point (UTS #39 5.1): its Script_Extensions, with Han, Hiragana, Katakana,
/// Hangul and Bopomofo also counting for the writing systems that combine them. Empty for Common and Inherited.
ScriptSet augmentedScripts(UChar32 cp) {
    UScriptCode scx[32];
    UErrorCode status = U_ZERO_ERROR;
    const int n = uscript_getScriptExtensions(cp, scx, 32, &status);
    ScriptSet set;
    if (U_FAILURE(status)) {
        set.set(USCRIPT_UNKNOWN);  // matches nothing else: a label with it is mixed unless it is all of it
        return set;
    }
    for (int i = 0; i < n; ++i) {
        switch (scx[i]) {
            case USCRIPT_COMMON:
            case USCRIPT_INHERITED: continue;  // goes with any script
            case USCRIPT_HAN:
                set.set(USCRIPT_JAPANESE).set(USCRIPT_KOREAN).set(USCRIPT_HAN_WITH_BOPOMOFO);
                break;
            case USCRIPT_HIRAGANA:
            case USCRIPT_KATAKANA: set.set(USCRIPT_JAPANESE); break;
            case USCRIPT_HANGUL: set.set(USCRIPT_KOREAN); break;
            case USCRIPT_BOPOMOFO: set.set(USCRIPT_HAN_WITH_BOPOMOFO); break;
            default: break;
        }
        set.set(scx[i]);
    }
    return set;
}

}  // namespace

bool isMixedScriptLabel(std::string_view label) {
    ScriptSet resolved;
    resolved.set();  // ALL, until a character with a script narrows it
    const auto* s = reinterpret_cast<const uint8_t*>(label.data());
    const auto length = static_cast<int32_t>(label.size());
    for (int32_t i = 0; i < length;) {
        UChar32 cp;
        U8_NEXT(s, i, length, cp);
        if (cp < 0) return true;
        const ScriptSet scripts = augmentedScripts(cp);
        if (scripts.none()) continue;
        resolved &= scripts;
        if (resolved.none()) return true;
    }
    return false;
}

}  // namespace rsolv::domain
