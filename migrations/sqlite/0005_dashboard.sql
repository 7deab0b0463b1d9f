-- The dashboard: a setup wizard that can be skipped, and email changes confirmed by a link to the new address.
ALTER TABLE customers ADD COLUMN onboarding_skipped_at TEXT;
ALTER TABLE sign_in_tokens ADD COLUMN new_email TEXT;
