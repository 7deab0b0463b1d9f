#pragma once
// Captures what the service logs while it lives: it puts a logger with an in-memory sink (and the service's own
// formatter and a second, in-memory sink) in place of the default one, and puts the old one back. Create it before the TestApp and let it
// outlive the app, so no server thread logs while the logger is swapped.

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/logging.h"
#include "domain/api_key.h"

namespace rsolv::test {

class LogCapture {
public:
    LogCapture() : previous_(spdlog::default_logger()) {
        logging::init(logging::Format::Text, "info", domain::maskApiKeys);
        auto logger = spdlog::default_logger();
        sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_, true);
        sink_->set_pattern("%v");  // the message exactly as the service wrote it, before any masking
        logger->sinks().push_back(sink_);
    }
    ~LogCapture() { spdlog::set_default_logger(previous_); }

    /// Every line logged so far.
    std::vector<std::string> lines() const {
        std::vector<std::string> out;
        std::istringstream in(stream_.str());
        for (std::string line; std::getline(in, line);) out.push_back(line);
        return out;
    }

private:
    std::shared_ptr<spdlog::logger> previous_;
    std::ostringstream stream_;
    std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

}  // namespace rsolv::test
