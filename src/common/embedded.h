#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace rsolv::embedded {

/// A file compiled into the binary (migrations, templates, data), named by its path in the source tree.
struct File {
    std::string_view path;
    std::string_view content;
};

const std::vector<File>& all();

/// The content of the embedded file at `path` (for example "templates/signup.mustache"), if there is one.
inline std::optional<std::string_view> find(std::string_view path) {
    for (const auto& f : all())
        if (f.path == path) return f.content;
    return std::nullopt;
}

}  // namespace rsolv::embedded
