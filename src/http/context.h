#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/telemetry.h"
#include "domain/accounts.h"
#include "domain/admin/operators.h"
#include "domain/api_access.h"
#include "domain/api_account.h"
#include "domain/key_management.h"
#include "domain/sign_in.h"
#include "domain/signup_challenge.h"
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
    // Issue 9 (account security).
    std::string not_me_key;       ///< verifies the "this wasn't me" links of welcome emails
    std::string form_key;         ///< signs the render time of the signup and login forms
    int form_min_fill_seconds = 2;  ///< RSOLV_FORM_MIN_FILL_SECONDS; 0: no timing check
    domain::EmailChangePolicy email_change;
    std::string challenge_key;    ///< signs the signup proof-of-work challenges
    domain::ChallengePolicy challenge;
    /// The operator console: its sign-in and session policy, and RSOLV_ADMIN_ALLOWED_CIDRS (empty: anywhere).
    domain::admin::OperatorPolicy operators;
    std::vector<Cidr> admin_allowed_cidrs;
    /// Seals an invitation link's token in its email job (issue 12, waitlist approval).
    std::string invitation_seal_key;
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
    /// Every limit is counted through it (per-IP limits by the client's network: RSOLV_IPV6_LIMIT_PREFIX).
    const domain::RateLimiter& limiter;
    /// Called after a transaction that enqueued jobs commits: wakes this process's workers now instead of at their
    /// next poll (workers of other instances still find the job when they poll).
    std::function<void()> jobs_enqueued = [] {};
    /// Told about every finished request (metrics).
    Telemetry* telemetry = &noTelemetry();
    /// Authenticates API keys from the per-process cache and counts the per-key limit in memory (set by the App).
    const domain::ApiAuthenticator* api_keys = nullptr;
    /// Accounts as `GET /api/v1/account` shows them, from the per-process cache (set by the App).
    const domain::ApiAccounts* api_accounts = nullptr;
};

}  // namespace rsolv::http
