#pragma once

#include <string_view>

namespace rsolv::domain {

/// UTS #39 section 5.1 mixed-script detection for one domain label (UTF-8): true when no single script covers every
/// character of the label. Characters of the Common and Inherited scripts (digits, the hyphen, combining marks) go
/// with any script; a character whose Script_Extensions name several scripts counts for each of them; and Han goes
/// with Hiragana and Katakana (Japanese), with Hangul (Korean), or with Bopomofo (Chinese). So "pаypal" with a
/// Cyrillic а is mixed; "пример", "例え" and "bücher" are not. Invalid UTF-8 counts as mixed.
bool isMixedScriptLabel(std::string_view label);

}  // namespace rsolv::domain
