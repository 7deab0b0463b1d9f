#include "common/templates.h"

#include <stdexcept>

#include "common/embedded.h"

namespace rsolv {

Templates::Templates(std::string_view folder) {
    const std::string suffix = ".mustache";
    for (const auto& f : embedded::all()) {
        if (f.path.rfind(folder, 0) != 0 || f.path.size() <= suffix.size() ||
            f.path.substr(f.path.size() - suffix.size()) != suffix)
            continue;
        const std::string name(f.path.substr(folder.size(), f.path.size() - folder.size() - suffix.size()));
        auto t = std::make_unique<kainjow::mustache::mustache>(std::string(f.content));
        if (!t->is_valid()) throw std::runtime_error("template " + name + ": " + t->error_message());
        templates_.emplace(name, std::move(t));
    }
}

std::string Templates::render(const std::string& name, const TemplateData& data) const {
    auto it = templates_.find(name);
    if (it == templates_.end()) throw std::logic_error("no template " + name);
    return it->second->render(data);
}

}  // namespace rsolv
