#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "domain/admin/operators.h"
#include "domain/api_access.h"
#include "domain/key_management.h"
#include "domain/sign_in.h"
#include "domain/provisioning.h"
#include "http/client_ip.h"
#include "http/csrf.h"
#include "http/views.h"
#include "storage/database.h"

namespace rsolv::http {

/// What the HTTP layer is configured with.
struct WebSettings {
    std::string public_url;        ///< every link is built from it, never from Host
    bool secure_cookies = false;   ///< public URL is https: Secure cookies, __Host- names, HSTS
    size_t max_body_bytes = 64 * 1024;
    std::vector<Cidr> trusted_proxies;
    int trial_fixes = 10;
    std::string unsubscribe_key;  ///< verifies the signed unsubscribe links of onboarding emails
    std::string flash_key;        ///< seals the one-time messages of a session (notices, new keys)
    std::string github_action;    ///< RSOLV_GITHUB_ACTION, for the workflow file
    /// The operator console: its sign-in and session policy, and RSOLV_ADMIN_ALLOWED_CIDRS (empty: anywhere).
    domain::admin::OperatorPolicy operators;
    std::vector<Cidr> admin_allowed_cidrs;
};

/// The narrow set of services handlers may use (ClickHouse's IServer idea): built once by the composition root.
struct Context {
    const WebSettings& web;
    const Clock& clock;
    storage::Database& db;
    domain::Provisioning& provisioning;
    const domain::SessionPolicy& sessions;
    const Views& views;
    const Csrf& csrf;
    const domain::ApiPolicy& api;
    const domain::SignInPolicy& sign_in;
    const domain::KeyPolicy& keys;
    /// Called after a transaction that enqueued jobs commits: wakes this process's workers now instead of at their
    /// next poll (workers of other instances still find the job when they poll).
    std::function<void()> jobs_enqueued = [] {};
};

}  // namespace rsolv::http
