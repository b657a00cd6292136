-- +goose Up
-- A city's own lockout policy (issue 12): when counted failures (failed
-- sign-ins, denied state-changing requests, probes of objects outside the
-- person's scope) lock a key, and for how long. A city without a row uses
-- modules/audit's DefaultPolicy (the 5th failure locks for a minute, each
-- further one doubles it up to an hour; failures are forgotten after 24
-- quiet hours).
-- A column left NULL takes the default too.
CREATE TABLE lockout_policies (
    tenant_id           uuid    NOT NULL,
    threshold           integer,
    base_delay_seconds  integer,
    max_delay_seconds   integer,
    window_seconds      integer,
    CONSTRAINT lockout_policies_pkey PRIMARY KEY (tenant_id),
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
