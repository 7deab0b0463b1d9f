#pragma once
// A real HTTP endpoint on loopback that records every webhook delivery it gets (method, path, headers, body) and
// answers 200 (or the status a test sets).

#include <Poco/Net/HTTPServer.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rsolv::test {

struct ReceivedWebhook {
    std::string method;
    std::string path;
    std::map<std::string, std::string> headers;  ///< names lowercased
    std::string body;
    std::string header(const std::string& name) const {
        const auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

class WebhookReceiver {
public:
    WebhookReceiver();
    ~WebhookReceiver();
    unsigned short port() const;
    std::vector<ReceivedWebhook> received() const;

    struct State {
        mutable std::mutex mutex;
        std::vector<ReceivedWebhook> received;
    };

private:
    std::shared_ptr<State> state_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace rsolv::test
