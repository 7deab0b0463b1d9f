#include "common/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

namespace rsolv::logging {
namespace {

thread_local std::string t_request_id;

/// %q: the request id of the thread.
class RequestIdFlag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
        const std::string_view id = t_request_id.empty() ? std::string_view("-") : std::string_view(t_request_id);
        dest.append(id.data(), id.data() + id.size());
    }
    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<RequestIdFlag>(); }
};

/// %*: the message redacted (API keys masked), JSON-escaped when the output is JSON lines.
class MessageFlag final : public spdlog::custom_flag_formatter {
public:
    MessageFlag(bool json, Redact redact) : json_(json), redact_(redact) {}
    void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
        std::string text = redact_(std::string_view(msg.payload.data(), msg.payload.size()));
        if (json_) {
            text = nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            text = text.substr(1, text.size() - 2);
        }
        dest.append(text.data(), text.data() + text.size());
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<MessageFlag>(json_, redact_);
    }

private:
    bool json_;
    Redact redact_;
};

}  // namespace

void init(Format format, const std::string& level, Redact redact) {
    init(format, level, redact, std::make_shared<spdlog::sinks::stderr_sink_mt>());
}

void init(Format format, const std::string& level, Redact redact, std::shared_ptr<spdlog::sinks::sink> sink) {
    auto logger = std::make_shared<spdlog::logger>("rsolv", std::move(sink));
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    const bool json = format == Format::Json;
    formatter->add_flag<RequestIdFlag>('q').add_flag<MessageFlag>('*', json, redact);
    formatter->set_pattern(json ? R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","request_id":"%q","msg":"%*"})"
                                : "%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%q] %*");
    logger->set_formatter(std::move(formatter));
    logger->set_level(spdlog::level::from_str(level));
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(logger);
}

RequestScope::RequestScope(std::string_view request_id) { t_request_id = request_id; }
RequestScope::~RequestScope() { t_request_id.clear(); }

std::string_view currentRequestId() { return t_request_id; }

}  // namespace rsolv::logging
