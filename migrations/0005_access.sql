-- +goose Up
-- Access control: each tenant's Casbin policy lines, their versions, and the
-- access grants of the city's staff (officials, provider heads,
-- administrators, dispatchers, owners' representatives, auditors). Residents
-- need no grant: every signed-in account is a resident.

-- The tenant's policy lines, as Casbin stores them: ptype 'p' only (role
-- assignments are access_grants, below), v0 role, v1 domain (the tenant's id,
-- again, as Casbin expects), v2 object, v3 action, v4 scope, v5 effect.
-- modules/access validates lines before writing them and again when loading.
CREATE TABLE casbin_rules (
    tenant_id  uuid NOT NULL,
    id         uuid NOT NULL,
    ptype      text NOT NULL DEFAULT 'p',
    v0         text NOT NULL DEFAULT '',
    v1         text NOT NULL DEFAULT '',
    v2         text NOT NULL DEFAULT '',
    v3         text NOT NULL DEFAULT '',
    v4         text NOT NULL DEFAULT '',
    v5         text NOT NULL DEFAULT '',
    CONSTRAINT casbin_rules_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT casbin_rules_line_key UNIQUE (tenant_id, ptype, v0, v1, v2, v3, v4, v5),
    CONSTRAINT casbin_rules_ptype_known CHECK (ptype = 'p'),
    CONSTRAINT casbin_rules_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);

-- Every change of a tenant's policy lines is a new version holding the whole
-- rule set after the change (version 1: the defaults). Rows are only added.
CREATE TABLE policy_versions (
    tenant_id   uuid        NOT NULL,
    version     bigint      NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    changed_by  text        NOT NULL,
    summary     text        NOT NULL DEFAULT '',
    snapshot    jsonb       NOT NULL,
    CONSTRAINT policy_versions_pkey PRIMARY KEY (tenant_id, version),
    CONSTRAINT policy_versions_positive CHECK (version > 0),
    CONSTRAINT policy_versions_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);

-- A staff member's access: one role, at one provider for officials and
-- provider heads (seed 003 §6: granted, blocked — also temporarily — and
-- revoked by the administrator on the provider head's written request).
-- A blocked grant with blocked_until in the past counts as active again; a
-- blocked grant with no blocked_until stays blocked until unblocked.
CREATE TABLE access_grants (
    tenant_id      uuid        NOT NULL,
    id             uuid        NOT NULL,
    account_id     uuid        NOT NULL,
    role           text        NOT NULL,
    provider_id    uuid,
    status         text        NOT NULL DEFAULT 'active',
    blocked_until  timestamptz,
    reason         text        NOT NULL DEFAULT '',
    granted_by     uuid,       -- NULL: granted by the platform (the tenant's first staff)
    granted_at     timestamptz NOT NULL DEFAULT now(),
    changed_by     uuid,
    changed_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT access_grants_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT access_grants_role_known CHECK (role IN ('official', 'provider_head', 'administrator', 'dispatcher', 'owner', 'auditor')),
    CONSTRAINT access_grants_status_known CHECK (status IN ('active', 'blocked', 'revoked')),
    CONSTRAINT access_grants_provider_scope CHECK ((role IN ('official', 'provider_head')) = (provider_id IS NOT NULL)),
    CONSTRAINT access_grants_account_fkey FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT access_grants_provider_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES providers (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT access_grants_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
-- One live (active or blocked) grant per account, role and provider; it also
-- serves the per-decision lookup of an account's grants.
CREATE UNIQUE INDEX access_grants_live_key ON access_grants
    (tenant_id, account_id, role, coalesce(provider_id, '00000000-0000-0000-0000-000000000000'))
    WHERE status IN ('active', 'blocked');
CREATE INDEX access_grants_provider_idx ON access_grants (tenant_id, provider_id) WHERE provider_id IS NOT NULL;

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['casbin_rules', 'policy_versions', 'access_grants'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hromada_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- Every process caches each tenant's enforcer; a change to the policy lines
-- or the grants is announced so that all of them drop it at once (grants are
-- also read afresh at every decision, so a block never waits for this).
-- +goose StatementBegin
CREATE FUNCTION access_notify_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    r record := coalesce(NEW, OLD);
BEGIN
    PERFORM pg_notify('hromada_access_changed', r.tenant_id::text);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER casbin_rules_changed AFTER INSERT OR UPDATE OR DELETE ON casbin_rules
    FOR EACH ROW EXECUTE FUNCTION access_notify_change();
CREATE TRIGGER access_grants_changed AFTER INSERT OR UPDATE OR DELETE ON access_grants
    FOR EACH ROW EXECUTE FUNCTION access_notify_change();

-- +goose Down
DROP TABLE access_grants;
DROP TABLE policy_versions;
DROP TABLE casbin_rules;
DROP FUNCTION access_notify_change();
