-- The durable job queue, single-use sign-in links, and what the onboarding emails need to know about a customer.
CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL DEFAULT '{}',
    unique_key       TEXT UNIQUE,
    state            TEXT NOT NULL DEFAULT 'available'
                     CHECK (state IN ('available', 'running', 'retryable', 'completed', 'dead', 'cancelled')),
    run_at           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL DEFAULT 8,
    lease_owner      TEXT,
    lease_token      TEXT,
    lease_expires_at TEXT,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    finished_at      TEXT
);
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE state IN ('available', 'retryable');
CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('completed', 'cancelled');

CREATE TABLE sign_in_tokens (
    token_hash  TEXT PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL,
    email       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX sign_in_tokens_customer ON sign_in_tokens (customer_id);

-- One row per email accepted by the mail server: a retried job finds its message here and does not send it twice.
CREATE TABLE email_deliveries (
    message_id  TEXT PRIMARY KEY,
    customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    kind        TEXT NOT NULL,
    sent_at     TEXT NOT NULL
);

ALTER TABLE customers ADD COLUMN onboarding_emails INTEGER NOT NULL DEFAULT 1;
ALTER TABLE customers ADD COLUMN email_undeliverable_at TEXT;
