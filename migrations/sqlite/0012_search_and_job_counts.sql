-- The operator console's customer search (issue 12) and cheap job counts for the metrics (issue 13).
--
-- Search: an FTS5 index with the trigram tokenizer over each customer's email, name and company (a substring of 3
-- characters or more, any case, is a phrase of trigrams), kept in sync by triggers: the table holds no text of its
-- own (content='customers'), only the index. Queries of 1 or 2 characters match the start of the email, name or
-- company through the lower(...) indexes; key identifiers by prefix through api_keys_display_id.
CREATE VIRTUAL TABLE customer_search USING fts5(
    email, name, company, content = 'customers', content_rowid = 'id', tokenize = 'trigram');
INSERT INTO customer_search (customer_search) VALUES ('rebuild');

CREATE TRIGGER customer_search_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customer_search (rowid, email, name, company) VALUES (new.id, new.email, new.name, new.company);
END;
CREATE TRIGGER customer_search_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customer_search (customer_search, rowid, email, name, company)
    VALUES ('delete', old.id, old.email, old.name, old.company);
END;
CREATE TRIGGER customer_search_update AFTER UPDATE OF email, name, company ON customers BEGIN
    INSERT INTO customer_search (customer_search, rowid, email, name, company)
    VALUES ('delete', old.id, old.email, old.name, old.company);
    INSERT INTO customer_search (rowid, email, name, company) VALUES (new.id, new.email, new.name, new.company);
END;

CREATE INDEX customers_email_lower ON customers (lower(email));
CREATE INDEX customers_name_lower ON customers (lower(name));
CREATE INDEX customers_company_lower ON customers (lower(company));
CREATE INDEX api_keys_display_id ON api_keys (display_id);

-- Job counts by state and kind without reading the table; completed jobs (most rows) are no longer counted.
CREATE INDEX jobs_state_kind ON jobs (state, kind) WHERE state <> 'completed';
