-- +goose Up
-- A city leaves the platform (issue 13, docs/city-lifecycle.md): it is
-- suspended, its data is exported (city_exports, modules/lifecycle), and the
-- operator deletes it. The deletion removes the city's rows from every tenant
-- table and keeps the tenant row as a tombstone with status 'deleted', so its
-- slug and domains are never given to another city by accident. A tombstone
-- stays one.

ALTER TABLE tenants DROP CONSTRAINT tenants_status_known;
ALTER TABLE tenants ADD CONSTRAINT tenants_status_known CHECK (status IN ('active', 'suspended', 'deleted'));
-- When the city was last suspended: only an export made since then counts
-- as the export before a deletion (nothing changes in a suspended city).
ALTER TABLE tenants ADD COLUMN suspended_at timestamptz;
UPDATE tenants SET suspended_at = updated_at WHERE status = 'suspended';

-- A city's exports. The administrator's are plain ZIPs under a random key
-- that only this table knows; the operator's (for a suspended city) are
-- encrypted to the age recipient the city gave, so the operator who
-- downloads one cannot read it.
CREATE TABLE city_exports (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    requested_by  text        NOT NULL,
    account_id    uuid,                          -- the administrator who asked; NULL for the operator
    recipient     text        NOT NULL DEFAULT '', -- age recipient; '' for a plain ZIP
    status        text        NOT NULL DEFAULT 'pending',
    object_key    text        NOT NULL DEFAULT '',
    size          bigint      NOT NULL DEFAULT 0,
    sha256        text        NOT NULL DEFAULT '',
    tables        integer     NOT NULL DEFAULT 0,
    row_count     bigint      NOT NULL DEFAULT 0,
    objects       integer     NOT NULL DEFAULT 0,
    error         text        NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    completed_at  timestamptz,
    CONSTRAINT city_exports_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT city_exports_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT city_exports_requested_by_known CHECK (requested_by IN ('administrator', 'operator')),
    CONSTRAINT city_exports_status_known CHECK (status IN ('pending', 'done', 'failed')),
    CONSTRAINT city_exports_operator_encrypts CHECK (requested_by <> 'operator' OR recipient <> '')
);
CREATE INDEX city_exports_recent_idx ON city_exports (tenant_id, created_at DESC);
ALTER TABLE city_exports ENABLE ROW LEVEL SECURITY;
ALTER TABLE city_exports FORCE ROW LEVEL SECURITY;
CREATE POLICY city_exports_tenant ON city_exports USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON city_exports TO hromada_app;

-- The platform's record of each deletion: who, when, how many rows of
-- which table, how many objects went and which documents stay under
-- retention (with the date each may go). No personal data: table names,
-- counts, object keys (tenant and document ids) and dates.
CREATE TABLE tenant_deletions (
    city_id          uuid        NOT NULL,
    slug             text        NOT NULL,
    name             text        NOT NULL,
    deleted_by       text        NOT NULL,
    deleted_at       timestamptz NOT NULL DEFAULT now(),
    row_counts       jsonb       NOT NULL DEFAULT '{}',
    objects_removed  integer     NOT NULL DEFAULT 0,
    retained         jsonb       NOT NULL DEFAULT '[]',
    finished_at      timestamptz,
    CONSTRAINT tenant_deletions_pkey PRIMARY KEY (city_id),
    CONSTRAINT tenant_deletions_city_fkey FOREIGN KEY (city_id) REFERENCES tenants (id)
);
GRANT SELECT, INSERT, UPDATE ON tenant_deletions TO hromada_operator;
GRANT SELECT ON tenant_deletions TO hromada_app;

-- The append-only and lock triggers let a row go only with its tenant
-- ("NOT EXISTS (SELECT FROM tenants WHERE id = OLD.tenant_id)": 0004, 0010,
-- 0018). A purged city keeps its tenant row as the tombstone, and its rows
-- cannot all go before it without breaking the foreign keys between them
-- (a service's provider, an application's service), so "with its tenant" now
-- also means "with its tenant's deletion": tenant_live is false for a
-- deleted tenant. The guards are rewritten from their own definitions, so
-- each keeps everything else it checks.
-- +goose StatementBegin
CREATE FUNCTION tenant_live(p_tenant uuid) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT EXISTS (SELECT FROM tenants WHERE id = p_tenant AND status <> 'deleted') $$;
-- +goose StatementEnd
-- +goose StatementBegin
DO $$
DECLARE
    f oid;
BEGIN
    FOR f IN SELECT p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND p.prorettype = 'trigger'::regtype
               AND p.prosrc LIKE '%NOT EXISTS (SELECT FROM tenants WHERE id = OLD.tenant_id)%' LOOP
        EXECUTE replace(pg_get_functiondef(f), 'NOT EXISTS (SELECT FROM tenants WHERE id = OLD.tenant_id)',
                        'NOT tenant_live(OLD.tenant_id)');
    END LOOP;
END
$$;
-- +goose StatementEnd

-- staff_requests was append-only without exception; like the audit log it
-- now goes with its city.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION staff_requests_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE' AND NOT tenant_live(OLD.tenant_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'staff_requests is append-only' USING ERRCODE = '42501';
END
$$;
-- +goose StatementEnd

-- A tombstone stays one: the city's data is gone, and the guards above
-- trust a deleted status.
-- +goose StatementBegin
CREATE FUNCTION tenants_tombstone() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF OLD.status = 'deleted' AND NEW.status <> 'deleted' THEN
        RAISE EXCEPTION 'tenant % is deleted for good', OLD.slug USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER tenants_tombstone BEFORE UPDATE ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenants_tombstone();

-- The operator's window onto a city's exports (like 0015's onto its
-- administrators): their state, size and hash, and the object's key only
-- for an export encrypted to the city's recipient, which the operator may
-- fetch for the city but not read.
-- +goose StatementBegin
CREATE FUNCTION city_export_state(p_tenant uuid)
    RETURNS TABLE (id uuid, requested_by text, encrypted boolean, status text, size bigint, sha256 text,
                   created_at timestamptz, completed_at timestamptz, object_key text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    prev text := coalesce(current_setting('app.tenant_id', true), '');
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    RETURN QUERY SELECT e.id, e.requested_by, e.recipient <> '', e.status, e.size, e.sha256, e.created_at, e.completed_at,
                        CASE WHEN e.recipient <> '' THEN e.object_key ELSE '' END
                 FROM city_exports e WHERE e.tenant_id = p_tenant ORDER BY e.created_at DESC;
    PERFORM set_config('app.tenant_id', prev, true);
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION city_export_state(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION city_export_state(uuid) TO hromada_operator;

-- purge_tenant removes every row of a suspended, exported city from every
-- tenant table (found in the catalogue, so a new module's table is never
-- forgotten) and leaves the tenant row as a tombstone ('deleted', its
-- domains kept). It returns the rows each table had. Everything happens in
-- the caller's transaction, so a crash leaves the city whole, and a second
-- call on a deleted city does nothing.
--
-- The tenant becomes 'deleted' first, which lets the append-only and lock
-- triggers give its rows up (tenant_live above). Tables whose rows cannot
-- go yet (a foreign key of another table still points at them; a lock that
-- waits for its parent, as a seal waits for its provider) are tried again
-- in the next round, until every table is empty.
-- +goose StatementBegin
CREATE FUNCTION purge_tenant(p_tenant uuid)
    RETURNS TABLE (table_name text, row_count bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    prev     text := coalesce(current_setting('app.tenant_id', true), '');
    t        tenants%ROWTYPE;
    tables   text[];
    remaining text[];
    tbl      text;
    n        bigint;
    counts   jsonb := '{}';
    progress boolean;
BEGIN
    SELECT * INTO t FROM tenants WHERE id = p_tenant FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'purge: no tenant %', p_tenant USING ERRCODE = 'no_data_found';
    END IF;
    IF t.status = 'deleted' THEN
        RETURN;
    END IF;
    IF t.status <> 'suspended' THEN
        RAISE EXCEPTION 'purge: tenant % is not suspended', t.slug USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    IF NOT EXISTS (SELECT FROM city_exports e WHERE e.tenant_id = p_tenant AND e.status = 'done'
                   AND e.created_at >= t.suspended_at) THEN
        RAISE EXCEPTION 'purge: tenant % has no export made since its suspension', t.slug
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;

    SELECT array_agg(c.relname::text ORDER BY c.relname) INTO tables
    FROM pg_class c
    JOIN pg_namespace ns ON ns.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
    WHERE ns.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'tenant_domains';
    FOREACH tbl IN ARRAY tables LOOP
        EXECUTE format('SELECT count(*) FROM %I WHERE tenant_id = $1', tbl) INTO n USING p_tenant;
        counts := counts || jsonb_build_object(tbl, n);
    END LOOP;

    UPDATE tenants SET status = 'deleted', updated_at = now() WHERE id = p_tenant;
    remaining := tables;
    LOOP
        progress := false;
        tables := remaining;
        remaining := '{}';
        FOREACH tbl IN ARRAY tables LOOP
            BEGIN
                EXECUTE format('DELETE FROM %I WHERE tenant_id = $1', tbl) USING p_tenant;
                GET DIAGNOSTICS n = ROW_COUNT;
                progress := progress OR n > 0;
            EXCEPTION WHEN foreign_key_violation OR insufficient_privilege OR raise_exception THEN
                remaining := remaining || tbl;
            END;
        END LOOP;
        EXIT WHEN cardinality(remaining) = 0;
        -- A round that removed nothing leaves the next one the same.
        IF NOT progress THEN
            RAISE EXCEPTION 'purge: rows of % cannot be removed', remaining;
        END IF;
    END LOOP;

    -- The city's queued jobs go too: their arguments are the city's.
    DELETE FROM river_job WHERE args->>'tenant_id' = p_tenant::text AND state <> 'running';
    PERFORM set_config('app.tenant_id', prev, true);
    RETURN QUERY SELECT k, v::bigint FROM jsonb_each_text(counts) AS x(k, v) ORDER BY k;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION purge_tenant(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_tenant(uuid) TO hromada_operator;

-- +goose Down
DROP FUNCTION purge_tenant(uuid);
DROP FUNCTION city_export_state(uuid);
DROP TRIGGER tenants_tombstone ON tenants;
DROP FUNCTION tenants_tombstone();
-- +goose StatementBegin
DO $$
DECLARE
    f oid;
BEGIN
    FOR f IN SELECT p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND p.prorettype = 'trigger'::regtype
               AND p.prosrc LIKE '%NOT tenant_live(OLD.tenant_id)%' AND p.proname <> 'staff_requests_append_only' LOOP
        EXECUTE replace(pg_get_functiondef(f), 'NOT tenant_live(OLD.tenant_id)',
                        'NOT EXISTS (SELECT FROM tenants WHERE id = OLD.tenant_id)');
    END LOOP;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION staff_requests_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'staff_requests is append-only' USING ERRCODE = '42501';
END
$$;
-- +goose StatementEnd
DROP FUNCTION tenant_live(uuid);
DROP TABLE tenant_deletions;
DROP TABLE city_exports;
ALTER TABLE tenants DROP COLUMN suspended_at;
ALTER TABLE tenants DROP CONSTRAINT tenants_status_known;
ALTER TABLE tenants ADD CONSTRAINT tenants_status_known CHECK (status IN ('active', 'suspended'));
