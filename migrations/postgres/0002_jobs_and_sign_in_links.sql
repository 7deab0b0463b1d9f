-- The durable job queue, single-use sign-in links, and what the onboarding emails need to know about a customer.
CREATE TABLE jobs (
    id               BIGSERIAL PRIMARY KEY,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL DEFAULT '{}',
    unique_key       TEXT UNIQUE,
    state            TEXT NOT NULL DEFAULT 'available'
                     CHECK (state IN ('available', 'running', 'retryable', 'completed', 'dead', 'cancelled')),
    run_at           TIMESTAMPTZ NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL DEFAULT 8,
    lease_owner      TEXT,
    lease_token      TEXT,
    lease_expires_at TIMESTAMPTZ,
    last_error       TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ
);
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE state IN ('available', 'retryable');
CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('completed', 'cancelled');

CREATE TABLE sign_in_tokens (
    token_hash  TEXT PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL,
    email       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
CREATE INDEX sign_in_tokens_customer ON sign_in_tokens (customer_id);

-- One row per email accepted by the mail server: a retried job finds its message here and does not send it twice.
CREATE TABLE email_deliveries (
    message_id  TEXT PRIMARY KEY,
    customer_id BIGINT REFERENCES customers(id) ON DELETE SET NULL,
    kind        TEXT NOT NULL,
    sent_at     TIMESTAMPTZ NOT NULL
);

ALTER TABLE customers ADD COLUMN onboarding_emails BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE customers ADD COLUMN email_undeliverable_at TIMESTAMPTZ;
