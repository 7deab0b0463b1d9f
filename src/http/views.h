#pragma once

#include <string>

#include "common/templates.h"

namespace rsolv::http {

using ViewData = TemplateData;

/// The page templates, each rendered inside templates/layout.mustache.
class Views {
public:
    Views();
    /// Renders templates/<name>.mustache, then the layout around it. `data` must hold "title".
    std::string page(const std::string& name, ViewData data) const;

private:
    Templates templates_;
};

}  // namespace rsolv::http
