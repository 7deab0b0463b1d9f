#include <memory>
#include <nlohmann/json.hpp>

#include "common/embedded.h"
#include "http/handlers/routes.h"
#include "storage/readiness.h"

namespace rsolv::http {

void addHealthRoutes(Router& router, const Context& ctx) {
    router.add({"GET", "/healthz", RouteKind::Api, [](Request&) { return Response::json(R"({"status":"ok"})"); }, {}});
    // Shared by the route's copies; lives as long as the router.
    auto probe = std::make_shared<storage::ReadinessProbe>(ctx.db, ctx.clock);
    router.add({"GET", "/readyz", RouteKind::Api,
                [probe](Request&) {
                    const auto r = probe->check();
                    nlohmann::json body{{"status", r.ready() ? "ready" : "not_ready"},
                                        {"database", r.database_ok ? "ok" : "unreachable"},
                                        {"write", r.write_ok ? "ok" : r.database_ok ? "failed" : "not_checked"}};
                    if (r.database_ok) {
                        body["schema_version"] = r.schema_version;
                        body["expected_schema_version"] = r.expected_schema_version;
                    }
                    if (!r.ready()) {
                        body["failing_check"] = r.failing_check;
                        body["reason"] = r.reason;
                    }
                    return Response::json(body.dump(), r.ready() ? 200 : 503);
                },
                {}});
}

void addStaticRoutes(Router& router) {
    struct StaticFile {
        const char* path;  ///< where it is served
        const char* file;  ///< under static/
        const char* type;
    };
    for (const auto& [path, file, type] : {StaticFile{"/static/app.css", "app.css", "text/css; charset=utf-8"},
                                           StaticFile{"/static/app.js", "app.js", "text/javascript; charset=utf-8"},
                                           StaticFile{"/static/challenge.js", "challenge.js", "text/javascript; charset=utf-8"},
                                           StaticFile{"/static/logo.svg", "logo.svg", "image/svg+xml"},
                                           StaticFile{"/favicon.ico", "favicon.ico", "image/x-icon"}}) {
        const auto content = embedded::find(std::string("static/") + file);
        if (!content) continue;
        const std::string body(*content);
        const std::string media = type;
        router.add({"GET", path, RouteKind::Static,
                    [body, media](Request&) {
                        Response r;
                        r.content_type = media;
                        r.body = body;
                        return r;
                    },
                    {}});
    }
}

}  // namespace rsolv::http
