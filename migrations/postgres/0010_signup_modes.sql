-- The RFC's rollout (issue 12): the signup mode (one row, read by every instance), the
-- invitations (an address, a whole domain, or a single-use link emailed from the waitlist) and the waitlist.
CREATE TABLE signup_settings (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    mode       TEXT NOT NULL CHECK (mode IN ('open', 'invite', 'closed')),
    updated_at TIMESTAMPTZ NOT NULL
);
INSERT INTO signup_settings (id, mode, updated_at) VALUES (1, 'open', '1970-01-01T00:00:00Z');

-- kind 'email': value is a canonical address; 'domain': an ASCII domain; 'link': the canonical address the link was
-- emailed to, and token_hash the SHA-256 of its token. used_at: the signup it let in (email and link are single-use).
CREATE TABLE invitations (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('email', 'domain', 'link')),
    value       TEXT NOT NULL,
    token_hash  TEXT UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  TEXT NOT NULL,
    used_at     TIMESTAMPTZ,
    customer_id BIGINT REFERENCES customers(id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX invitations_email_domain ON invitations (kind, value) WHERE kind IN ('email', 'domain');

-- One row per address (a second join changes nothing); approved_at and invitation_id once an operator approves it.
CREATE TABLE waitlist (
    id              BIGSERIAL PRIMARY KEY,
    email           TEXT NOT NULL,
    email_canonical TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL DEFAULT '',
    company         TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    approved_at     TIMESTAMPTZ,
    invitation_id   BIGINT REFERENCES invitations(id)
);
CREATE INDEX waitlist_created ON waitlist (created_at);
