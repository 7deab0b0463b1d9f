#include "http/router.h"

namespace rsolv::http {
namespace {

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    size_t pos = 0;
    while (pos < path.size()) {
        if (path[pos] == '/') {
            ++pos;
            continue;
        }
        size_t end = path.find('/', pos);
        if (end == std::string_view::npos) end = path.size();
        out.push_back(path.substr(pos, end - pos));
        pos = end;
    }
    return out;
}

bool matchPattern(std::string_view pattern, std::string_view path, std::map<std::string, std::string>& params) {
    const auto ps = segments(pattern);
    const auto xs = segments(path);
    if (ps.size() != xs.size()) return false;
    if (!pattern.empty() && !path.empty() && (pattern.back() == '/') != (path.back() == '/') && path != "/")
        return false;
    std::map<std::string, std::string> captured;
    for (size_t i = 0; i < ps.size(); ++i) {
        if (ps[i].size() > 2 && ps[i].front() == '{' && ps[i].back() == '}')
            captured.emplace(ps[i].substr(1, ps[i].size() - 2), xs[i]);
        else if (ps[i] != xs[i])
            return false;
    }
    params = std::move(captured);
    return true;
}

}  // namespace

void Router::add(Route route) { routes_.push_back(std::move(route)); }

Router::Match Router::match(const std::string& method, const std::string& path) const {
    Match m;
    const std::string& wanted = method == "HEAD" ? std::string("GET") : method;
    for (const auto& r : routes_) {
        std::map<std::string, std::string> params;
        if (!matchPattern(r.pattern, path, params)) continue;
        if (r.method == wanted) {
            m.route = &r;
            m.params = std::move(params);
            return m;
        }
        m.allowed_methods.push_back(r.method);
    }
    return m;
}

}  // namespace rsolv::http
