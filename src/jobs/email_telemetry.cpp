#include "jobs/email_jobs.h"

namespace rsolv::jobs {

std::string_view emailResultLabel(mail::SendResult::Kind kind) {
    switch (kind) {
        case mail::SendResult::Kind::Sent:
            return "sent";
        case mail::SendResult::Kind::Transient:
            return "transient";
        case mail::SendResult::Kind::Permanent:
            return "permanent";
        case mail::SendResult::Kind::Unavailable:
            return "unavailable";
    }
    return "unknown";
}

}  // namespace rsolv::jobs
