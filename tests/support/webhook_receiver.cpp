#include "support/webhook_receiver.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <cctype>

namespace rsolv::test {
namespace {

class Recorder final : public Poco::Net::HTTPRequestHandler {
public:
    explicit Recorder(std::shared_ptr<WebhookReceiver::State> state) : state_(std::move(state)) {}
    void handleRequest(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out) override {
        ReceivedWebhook r;
        r.method = in.getMethod();
        r.path = in.getURI();
        for (const auto& [k, v] : in) {
            std::string name = k;
            std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
            r.headers[name] = v;
        }
        Poco::StreamCopier::copyToString(in.stream(), r.body);
        {
            std::lock_guard lock(state_->mutex);
            state_->received.push_back(std::move(r));
        }
        out.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
        out.setContentLength(0);
        out.send();
    }

private:
    std::shared_ptr<WebhookReceiver::State> state_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(std::shared_ptr<WebhookReceiver::State> state) : state_(std::move(state)) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new Recorder(state_);
    }

private:
    std::shared_ptr<WebhookReceiver::State> state_;
};

}  // namespace

WebhookReceiver::WebhookReceiver() : state_(std::make_shared<State>()) {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(2);
    params->setKeepAlive(false);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(state_), socket, params);
    server_->start();
}

WebhookReceiver::~WebhookReceiver() { server_->stopAll(true); }

unsigned short WebhookReceiver::port() const { return server_->socket().address().port(); }

std::vector<ReceivedWebhook> WebhookReceiver::received() const {
    std::lock_guard lock(state_->mutex);
    return state_->received;
}

}  // namespace rsolv::test
