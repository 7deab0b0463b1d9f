-- Customers, their API keys, provisioning events, sessions, one-time flashes and rate-limit hits.
CREATE TABLE customers (
    id                      BIGSERIAL PRIMARY KEY,
    email                   TEXT NOT NULL,
    email_canonical         TEXT NOT NULL UNIQUE,
    name                    TEXT NOT NULL,
    company                 TEXT,
    subscription_plan       TEXT NOT NULL DEFAULT 'trial',
    trial_fixes_limit       INTEGER NOT NULL CHECK (trial_fixes_limit >= 0),
    trial_fixes_used        INTEGER NOT NULL DEFAULT 0 CHECK (trial_fixes_used >= 0),
    auto_provisioned        BOOLEAN NOT NULL DEFAULT FALSE,
    onboarding_completed_at TIMESTAMPTZ,
    status                  TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at              TIMESTAMPTZ NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_keys (
    id           BIGSERIAL PRIMARY KEY,
    customer_id  BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    key_hash     TEXT NOT NULL UNIQUE,
    display_id   TEXT NOT NULL,
    name         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    expires_at   TIMESTAMPTZ
);
CREATE INDEX api_keys_customer ON api_keys (customer_id);

CREATE TABLE provisioning_events (
    id          UUID PRIMARY KEY,
    customer_id BIGINT REFERENCES customers(id) ON DELETE SET NULL,
    event_type  VARCHAR(50) NOT NULL,
    status      VARCHAR(20) NOT NULL,
    details     JSONB NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX provisioning_events_customer ON provisioning_events (customer_id, created_at);
CREATE INDEX provisioning_events_type ON provisioning_events (event_type, created_at);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    customer_id  BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_customer ON sessions (customer_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE flashes (
    session_hash TEXT NOT NULL REFERENCES sessions(id_hash) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    sealed       TEXT NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (session_hash, kind)
);

CREATE TABLE rate_limit_hits (
    id     BIGSERIAL PRIMARY KEY,
    bucket TEXT NOT NULL,
    at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX rate_limit_hits_bucket ON rate_limit_hits (bucket, at);
