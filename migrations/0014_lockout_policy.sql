-- +goose Up
-- A city's own lockout policy (issue 12), per kind of key: when counted
-- failures lock an 'account' (denied state-changing requests, probes of
-- objects outside the person's scope) or an 'ip' (failed sign-ins from a
-- client address), and for how long. A city without a row for a kind uses
-- modules/audit's DefaultPolicy (the 5th failure locks for a minute, each
-- further one doubles it up to an hour; failures are forgotten after 24
-- quiet hours).
-- A column left NULL takes the default too.
CREATE TABLE lockout_policies (
    tenant_id           uuid    NOT NULL,
    key_kind            text    NOT NULL,
    threshold           integer,
    base_delay_seconds  integer,
    max_delay_seconds   integer,
    window_seconds      integer,
    CONSTRAINT lockout_policies_pkey PRIMARY KEY (tenant_id, key_kind),
    CONSTRAINT lockout_policies_key_kind_known CHECK (key_kind IN ('account', 'ip')),
    CONSTRAINT lockout_policies_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT lockout_policies_positive CHECK (coalesce(threshold, 1) > 0 AND coalesce(base_delay_seconds, 1) > 0
        AND coalesce(max_delay_seconds, 1) > 0 AND coalesce(window_seconds, 1) > 0)
);
ALTER TABLE lockout_policies ENABLE ROW LEVEL SECURITY;
ALTER TABLE lockout_policies FORCE ROW LEVEL SECURITY;
CREATE POLICY lockout_policies_tenant ON lockout_policies USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON lockout_policies TO hromada_app;

-- +goose Down
DROP TABLE lockout_policies;
