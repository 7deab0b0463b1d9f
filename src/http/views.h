#pragma once

#include <kainjow/mustache.hpp>
#include <map>
#include <memory>
#include <string>

namespace rsolv::http {

using ViewData = kainjow::mustache::data;

/// Every page template, parsed once at start-up from the embedded templates/ folder; rendering escapes HTML.
class Views {
public:
    Views();
    /// Renders templates/<name>.mustache, then the layout around it. `data` must hold "title".
    std::string page(const std::string& name, ViewData data) const;
    /// Renders a template on its own (no layout).
    std::string render(const std::string& name, const ViewData& data) const;

private:
    // kainjow's render() is not const but keeps its state per call; the parsed tree is only read.
    mutable std::map<std::string, std::unique_ptr<kainjow::mustache::mustache>> templates_;
};

}  // namespace rsolv::http
