-- The operator console's customer search (issue 12) and cheap job counts for the metrics (issue 13).
--
-- Search: a pg_trgm GIN index over each customer's email, name and company (joined by newlines) answers ILIKE
-- '%substring%' of 3 characters or more. pg_trgm is a trusted extension (PostgreSQL 13+, shipped in Debian's
-- postgresql-15): the owner of the database can create it without being a superuser. Where it cannot be created
-- (no CREATE privilege on the database, or the module is missing), the migration goes on without the index: search
-- gives the same answers, by reading the table (README "Operating RSOLV"). Queries of 1 or 2 characters match the
-- start of the email, name or company through the lower(...) indexes; key identifiers by prefix through
-- api_keys_display_id. Byte order (COLLATE "C") makes the prefix ranges independent of the database's locale.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported OR undefined_object THEN
    RAISE WARNING 'pg_trgm could not be created (%): customer search will read the customers table', SQLERRM;
END
$$;

DO $$
DECLARE
    trgm_schema TEXT;
BEGIN
    SELECT n.nspname INTO trgm_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    IF trgm_schema IS NOT NULL THEN
        EXECUTE format('CREATE INDEX customers_search_trgm ON customers USING gin '
                       '((email || E''\n'' || name || E''\n'' || COALESCE(company, '''')) %I.gin_trgm_ops)',
                       trgm_schema);
    END IF;
END
$$;

CREATE INDEX customers_email_lower ON customers ((lower(email) COLLATE "C"));
CREATE INDEX customers_name_lower ON customers ((lower(name) COLLATE "C"));
CREATE INDEX customers_company_lower ON customers ((lower(company) COLLATE "C"));
CREATE INDEX api_keys_display_id ON api_keys ((display_id COLLATE "C"));

-- Job counts by state and kind without reading the table; completed jobs (most rows) are no longer counted.
CREATE INDEX jobs_state_kind ON jobs (state, kind) WHERE state <> 'completed';
