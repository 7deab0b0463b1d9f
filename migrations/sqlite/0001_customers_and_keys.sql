-- Customers, their API keys, provisioning events, sessions, one-time flashes and rate-limit hits.
-- Times are ISO-8601 UTC text with six fractional digits, so text order is time order.
CREATE TABLE customers (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    email                   TEXT NOT NULL,
    email_canonical         TEXT NOT NULL UNIQUE,
    name                    TEXT NOT NULL,
    company                 TEXT,
    subscription_plan       TEXT NOT NULL DEFAULT 'trial',
    trial_fixes_limit       INTEGER NOT NULL CHECK (trial_fixes_limit >= 0),
    trial_fixes_used        INTEGER NOT NULL DEFAULT 0 CHECK (trial_fixes_used >= 0),
    auto_provisioned        INTEGER NOT NULL DEFAULT 0,
    onboarding_completed_at TEXT,
    status                  TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    key_hash     TEXT NOT NULL UNIQUE,
    display_id   TEXT NOT NULL,
    name         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT,
    expires_at   TEXT
);
CREATE INDEX api_keys_customer ON api_keys (customer_id);

CREATE TABLE provisioning_events (
    id          TEXT PRIMARY KEY,
    customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    event_type  TEXT NOT NULL,
    status      TEXT NOT NULL,
    details     TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL
);
CREATE INDEX provisioning_events_customer ON provisioning_events (customer_id, created_at);
CREATE INDEX provisioning_events_type ON provisioning_events (event_type, created_at);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_customer ON sessions (customer_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE flashes (
    session_hash TEXT NOT NULL REFERENCES sessions(id_hash) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    sealed       TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    PRIMARY KEY (session_hash, kind)
);

CREATE TABLE rate_limit_hits (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    bucket TEXT NOT NULL,
    at     TEXT NOT NULL
);
CREATE INDEX rate_limit_hits_bucket ON rate_limit_hits (bucket, at);
