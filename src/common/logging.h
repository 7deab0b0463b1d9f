#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace spdlog::sinks {
class sink;
}

namespace rsolv::logging {

enum class Format { Text, Json };

/// What every message goes through before it is written: the service passes domain::maskApiKeys, so no API key
/// reaches a log (common knows nothing of keys: the layer that does hands the function down).
using Redact = std::string (*)(std::string_view message);

/// Sets up spdlog's default logger: text for a terminal, JSON lines for production. Every line carries the request
/// id of the request being served on that thread ("-" outside a request), and every message goes through `redact`.
void init(Format format, const std::string& level, Redact redact);
/// The same, writing to `sink` instead of standard error (a test captures every line the service writes this way).
void init(Format format, const std::string& level, Redact redact, std::shared_ptr<spdlog::sinks::sink> sink);

/// Marks the current thread as serving a request, for the lines it logs until the scope ends.
class RequestScope {
public:
    explicit RequestScope(std::string_view request_id);
    ~RequestScope();
    RequestScope(const RequestScope&) = delete;
    RequestScope& operator=(const RequestScope&) = delete;
};

std::string_view currentRequestId();

}  // namespace rsolv::logging
