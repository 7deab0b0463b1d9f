#pragma once

#include <kainjow/mustache.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace rsolv {

using TemplateData = kainjow::mustache::data;

/// The embedded mustache templates under a folder ("templates/"), parsed once at start-up; {{value}} is HTML-escaped,
/// except in plain-text templates ("<name>.text"), which render values as they are.
class Templates {
public:
    explicit Templates(std::string_view folder);
    /// Renders "<name>.mustache" of the folder (e.g. "signup", "email/welcome.text"). Throws std::logic_error if absent.
    std::string render(const std::string& name, const TemplateData& data) const;
    bool has(const std::string& name) const { return templates_.count(name) > 0; }

private:
    // kainjow's render() is not const but keeps its state per call; the parsed tree is only read.
    mutable std::map<std::string, std::unique_ptr<kainjow::mustache::mustache>> templates_;
};

}  // namespace rsolv
