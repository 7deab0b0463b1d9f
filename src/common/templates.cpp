#include "common/templates.h"

#include <stdexcept>

#include "common/embedded.h"

namespace rsolv {
namespace {

bool isPlainText(const std::string& name) {
    constexpr std::string_view kText = ".text";
    return name.size() > kText.size() && name.compare(name.size() - kText.size(), kText.size(), kText) == 0;
}

}  // namespace

Templates::Templates(std::string_view folder) {
    const std::string suffix = ".mustache";
    for (const auto& f : embedded::all()) {
        if (f.path.rfind(folder, 0) != 0 || f.path.size() <= suffix.size() ||
            f.path.substr(f.path.size() - suffix.size()) != suffix)
            continue;
        const std::string name(f.path.substr(folder.size(), f.path.size() - folder.size() - suffix.size()));
        auto t = std::make_unique<kainjow::mustache::mustache>(std::string(f.content));
        if (!t->is_valid()) throw std::runtime_error("template " + name + ": " + t->error_message());
        // Plain text is not HTML: "O'Brien" must not become "O&apos;Brien". Headers are built apart (mail/message.cpp).
        if (isPlainText(name)) t->set_custom_escape([](const std::string& s) { return s; });
        templates_.emplace(name, std::move(t));
    }
}

std::string Templates::render(const std::string& name, const TemplateData& data) const {
    auto it = templates_.find(name);
    if (it == templates_.end()) throw std::logic_error("no template " + name);
    return it->second->render(data);
}

}  // namespace rsolv
