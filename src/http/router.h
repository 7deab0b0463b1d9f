#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "http/request.h"
#include "http/response.h"

namespace rsolv::http {

/// How the dispatcher treats a route: what it must carry and how its errors are rendered.
enum class RouteKind {
    Page,    ///< GET, HTML
    Form,    ///< state-changing browser request: CSRF token and Origin check enforced by the dispatcher
    Api,     ///< JSON API: authenticated by key, cookies ignored, errors as JSON
    /// State-changing, but authenticated by a signed token in the URL instead of a session, and posted by mail
    /// clients without a form (RFC 8058 one-click unsubscribe): no CSRF token can exist, none is asked for.
    SignedLink,
    Static,  ///< assets, cacheable
};

using Handler = std::function<Response(Request&)>;

struct Route {
    std::string method;
    std::string pattern;  ///< "/signup", "/api/v1/fix-attempts/{id}"
    RouteKind kind = RouteKind::Page;
    Handler handler;
    /// Media types accepted in the body (415 otherwise) for methods with a body.
    std::vector<std::string> accepts;
};

class Router {
public:
    void add(Route route);

    struct Match {
        const Route* route = nullptr;
        std::map<std::string, std::string> params;
        std::vector<std::string> allowed_methods;  ///< when the path exists under other methods: 405
    };
    Match match(const std::string& method, const std::string& path) const;
    const std::vector<Route>& routes() const { return routes_; }

private:
    std::vector<Route> routes_;
};

}  // namespace rsolv::http
