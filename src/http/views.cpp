#include "http/views.h"

#include <stdexcept>

namespace rsolv::http {

Views::Views() : templates_("templates/") {
    if (!templates_.has("layout")) throw std::runtime_error("templates/layout.mustache is missing");
}

std::string Views::page(const std::string& name, ViewData data) const {
    data.set("body", templates_.render(name, data));
    return templates_.render("layout", data);
}

}  // namespace rsolv::http
