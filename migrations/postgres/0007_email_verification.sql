-- Account pre-hijacking (issue 9): an address is verified the first time an emailed link is used; the owner then
-- reviews the keys and sessions made before that. Bot defence: single-use proof-of-work challenges.
ALTER TABLE customers ADD COLUMN email_verified_at TIMESTAMPTZ;
CREATE TABLE verification_reviews (
    customer_id BIGINT PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    verified_at TIMESTAMPTZ NOT NULL,
    sessions    TEXT NOT NULL DEFAULT '[]',
    answered_at TIMESTAMPTZ,
    answer      TEXT
);
CREATE TABLE signup_challenges (
    id         TEXT PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX signup_challenges_expires ON signup_challenges (expires_at);
