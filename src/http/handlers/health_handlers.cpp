#include <nlohmann/json.hpp>

#include "common/embedded.h"
#include "http/handlers/routes.h"
#include "storage/migrations.h"

namespace rsolv::http {

void addHealthRoutes(Router& router, const Context& ctx) {
    router.add({"GET", "/healthz", RouteKind::Api, [](Request&) { return Response::json(R"({"status":"ok"})"); }, {}});
    const Context* c = &ctx;
    router.add({"GET", "/readyz", RouteKind::Api,
                [c](Request&) {
                    nlohmann::json body;
                    try {
                        const auto s = storage::schemaStatus(c->db);
                        body = {{"status", s.current() ? "ready" : "not_ready"},
                                {"database", "ok"},
                                {"schema_version", s.database_version},
                                {"expected_schema_version", s.binary_version}};
                        return Response::json(body.dump(), s.current() ? 200 : 503);
                    } catch (const std::exception&) {
                        body = {{"status", "not_ready"}, {"database", "unreachable"}};
                        return Response::json(body.dump(), 503);
                    }
                },
                {}});
}

void addStaticRoutes(Router& router) {
    for (const auto& [file, type] : {std::pair{"app.css", "text/css; charset=utf-8"},
                                     std::pair{"app.js", "text/javascript; charset=utf-8"},
                                     std::pair{"challenge.js", "text/javascript; charset=utf-8"}}) {
        const auto content = embedded::find(std::string("static/") + file);
        if (!content) continue;
        const std::string body(*content);
        const std::string media = type;
        router.add({"GET", std::string("/static/") + file, RouteKind::Static,
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
