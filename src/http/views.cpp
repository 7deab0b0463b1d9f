#include "http/views.h"

#include <stdexcept>

#include "common/embedded.h"

namespace rsolv::http {

Views::Views() {
    const std::string prefix = "templates/";
    const std::string suffix = ".mustache";
    for (const auto& f : embedded::all()) {
        if (f.path.rfind(prefix, 0) != 0 || f.path.size() <= suffix.size() ||
            f.path.substr(f.path.size() - suffix.size()) != suffix)
            continue;
        const std::string name(f.path.substr(prefix.size(), f.path.size() - prefix.size() - suffix.size()));
        auto t = std::make_unique<kainjow::mustache::mustache>(std::string(f.content));
        if (!t->is_valid()) throw std::runtime_error("template " + name + ": " + t->error_message());
        templates_.emplace(name, std::move(t));
    }
    if (!templates_.count("layout")) throw std::runtime_error("templates/layout.mustache is missing");
}

std::string Views::render(const std::string& name, const ViewData& data) const {
    auto it = templates_.find(name);
    if (it == templates_.end()) throw std::logic_error("no template " + name);
    return it->second->render(data);
}

std::string Views::page(const std::string& name, ViewData data) const {
    data.set("body", render(name, data));
    return render("layout", data);
}

}  // namespace rsolv::http
