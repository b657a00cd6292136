-- +goose Up
-- The platform: tenants and their domains. These are the only tables outside
-- row-level security; the application role may read them (to resolve a Host)
-- but only the owner, on the operator paths, may change them.

-- Two roles own nothing and cannot bypass RLS:
--   hromada_app       the portal and the workers: tenant tables through RLS,
--                     platform tables read-only;
--   hromada_operator  the operator console: platform tables only, and no
--                     grant at all on tenant tables (it sees no resident).
-- Roles are cluster-wide, so they may exist already (another database of the
-- cluster, or created by the DBA in production).
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hromada_app') THEN
        CREATE ROLE hromada_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hromada_operator') THEN
        CREATE ROLE hromada_operator LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
END
$$;
-- +goose StatementEnd

-- app_tenant_id is the tenant the current transaction was opened for by
-- tenant.Tx, or NULL when none was set (so every policy matches nothing).
-- +goose StatementBegin
CREATE FUNCTION app_tenant_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;
-- +goose StatementEnd

CREATE TABLE tenants (
    id          uuid        NOT NULL,
    slug        text        NOT NULL,
    name        text        NOT NULL,
    status      text        NOT NULL DEFAULT 'active',
    branding    jsonb       NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenants_pkey PRIMARY KEY (id),
    CONSTRAINT tenants_slug_key UNIQUE (slug),
    CONSTRAINT tenants_slug_format CHECK (slug ~ '^[a-z][a-z0-9-]{1,30}[a-z0-9]$'),
    CONSTRAINT tenants_name_present CHECK (length(btrim(name)) > 0),
    CONSTRAINT tenants_status_known CHECK (status IN ('active', 'suspended'))
);

CREATE TABLE tenant_domains (
    domain      text        NOT NULL,
    tenant_id   uuid        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenant_domains_pkey PRIMARY KEY (domain),
    CONSTRAINT tenant_domains_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT tenant_domains_lowercase CHECK (domain = lower(domain))
);
CREATE INDEX tenant_domains_tenant_idx ON tenant_domains (tenant_id);

-- Every process caches Host lookups; a change to a tenant or its domains is
-- announced so that all of them drop the stale entry at once.
-- +goose StatementBegin
CREATE FUNCTION tenants_notify_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    r record := coalesce(NEW, OLD);
BEGIN
    IF TG_TABLE_NAME = 'tenants' THEN
        PERFORM pg_notify('hromada_tenant_changed', r.id::text);
    ELSE
        PERFORM pg_notify('hromada_tenant_changed', r.tenant_id::text);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER tenants_changed AFTER INSERT OR UPDATE OR DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenants_notify_change();
CREATE TRIGGER tenant_domains_changed AFTER INSERT OR UPDATE OR DELETE ON tenant_domains
    FOR EACH ROW EXECUTE FUNCTION tenants_notify_change();

GRANT SELECT ON tenants, tenant_domains TO hromada_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, tenant_domains TO hromada_operator;

-- +goose Down
DROP TABLE tenant_domains;
DROP TABLE tenants;
DROP FUNCTION tenants_notify_change();
DROP FUNCTION app_tenant_id();
