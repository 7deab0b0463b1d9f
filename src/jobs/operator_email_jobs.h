#pragma once

#include <string>

#include "common/clock.h"
#include "common/templates.h"
#include "domain/admin/operators.h"
#include "jobs/worker.h"
#include "mail/mailer.h"
#include "storage/database.h"

namespace rsolv::jobs {

/// Sends an operator its console sign-in link (`email.operator_sign_in`). The job carries the canonical address typed
/// at /admin/login; whether it is an operator is looked at only here, and the finished job forgets the address.
class OperatorEmailJobHandler final : public JobHandler {
public:
    OperatorEmailJobHandler(storage::Database& db, const Clock& clock, mail::Mailer& mailer, std::string public_url,
                            std::string host, domain::admin::OperatorPolicy policy);
    JobOutcome run(const Job& job, JobLease& lease) override;
    std::optional<std::string> onDead(storage::Transaction& tx, const Job& job, const std::string& error) override;

private:
    storage::Database& db_;
    const Clock& clock_;
    mail::Mailer& mailer_;
    std::string public_url_;
    std::string host_;
    domain::admin::OperatorPolicy policy_;
    Templates templates_;
};

}  // namespace rsolv::jobs
