-- A replayed response repeats the first one's Location header as well as its status and body.
ALTER TABLE idempotency_keys ADD COLUMN response_location TEXT;
