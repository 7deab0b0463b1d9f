#include "mail/circuit_breaker.h"

namespace rsolv::mail {

bool CircuitBreaker::closed() const {
    std::lock_guard lock(mutex_);
    return state_ == State::Closed;
}

CircuitBreaker::State CircuitBreaker::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

bool CircuitBreaker::claimProbe() {
    std::lock_guard lock(mutex_);
    if (state_ != State::Open || ticks_.now() < next_probe_) return false;
    state_ = State::Probing;
    return true;
}

void CircuitBreaker::recordSuccess() {
    std::lock_guard lock(mutex_);
    state_ = State::Closed;
    failures_ = 0;
}

bool CircuitBreaker::recordFailure() {
    std::lock_guard lock(mutex_);
    ++failures_;
    if (state_ == State::Probing || (state_ == State::Closed && failures_ >= settings_.failure_threshold)) {
        const bool opened = state_ == State::Closed;
        state_ = State::Open;
        next_probe_ = ticks_.now() + settings_.probe_interval;
        if (opened) times_opened_.fetch_add(1);
        return opened;
    }
    return false;
}

}  // namespace rsolv::mail
