-- The customer API: fix attempts counted against the trial, idempotency records, per-key request windows.
CREATE TABLE fix_attempts (
    id               BIGSERIAL PRIMARY KEY,
    customer_id      BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    api_key_id       BIGINT REFERENCES api_keys(id) ON DELETE SET NULL,
    repository       TEXT NOT NULL,
    reference        TEXT NOT NULL,
    commit_sha       TEXT,
    run_url          TEXT,
    status           TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    pull_request_url TEXT,
    failure_reason   TEXT,
    credit_refunded  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ
);
CREATE INDEX fix_attempts_customer ON fix_attempts (customer_id, id DESC);

CREATE TABLE idempotency_keys (
    customer_id     BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('in_progress', 'completed')),
    response_status INTEGER,
    response_body   TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (customer_id, idempotency_key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);

-- Accepted requests of a key per second over the last minute ("epoch_second:count,..."): a sliding window in one
-- small row per key, at most 61 entries whatever the limit.
CREATE TABLE api_request_windows (
    api_key_id BIGINT PRIMARY KEY REFERENCES api_keys(id) ON DELETE CASCADE,
    hits       TEXT NOT NULL DEFAULT ''
);

ALTER TABLE customers ADD COLUMN first_api_call_at TIMESTAMPTZ;
ALTER TABLE customers ADD COLUMN first_fix_attempt_at TIMESTAMPTZ;
