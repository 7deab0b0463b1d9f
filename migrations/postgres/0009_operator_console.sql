-- The operator console: operators, their single-use sign-in links and their sessions (apart from customers'), and
-- the append-only audit log of every change an operator makes (rules.md #11).
CREATE TABLE operators (
    id              BIGSERIAL PRIMARY KEY,
    email           TEXT NOT NULL,
    email_canonical TEXT NOT NULL UNIQUE,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
    created_at      TIMESTAMPTZ NOT NULL,
    disabled_at     TIMESTAMPTZ
);

CREATE TABLE operator_sign_in_tokens (
    token_hash  TEXT PRIMARY KEY,
    operator_id BIGINT NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
CREATE INDEX operator_sign_in_tokens_expires ON operator_sign_in_tokens (expires_at);

CREATE TABLE operator_sessions (
    id_hash      TEXT PRIMARY KEY,
    operator_id  BIGINT NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id);

-- No foreign key to customers: an audit row outlives anything it names, and is never updated or deleted.
CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    ip          TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    customer_id BIGINT,
    reason      TEXT NOT NULL,
    before_json TEXT NOT NULL DEFAULT '{}',
    after_json  TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_customer ON audit_log (customer_id, id);
CREATE INDEX audit_log_at ON audit_log (at);

-- An erased customer keeps its row (events and attempts stay attached, anonymised) without any personal data.
ALTER TABLE customers ADD COLUMN erased_at TIMESTAMPTZ;
