-- +goose Up
-- The tenant's rendered theme: the stylesheet computed from its branding
-- (colours checked and adjusted for WCAG 2.1 AA contrast, the high-contrast
-- variant), cached here by the branding.refresh job so that no request
-- computes it. A tenant table: tenant_id in the key, RLS enabled and forced.
CREATE TABLE branding_themes (
    tenant_id    uuid        NOT NULL,
    id           uuid        NOT NULL,
    source_hash  text        NOT NULL,
    css          text        NOT NULL,
    warnings     text[]      NOT NULL DEFAULT '{}',
    rendered_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT branding_themes_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT branding_themes_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX branding_themes_latest_idx ON branding_themes (tenant_id, rendered_at DESC);

ALTER TABLE branding_themes ENABLE ROW LEVEL SECURITY;
ALTER TABLE branding_themes FORCE ROW LEVEL SECURITY;
CREATE POLICY branding_themes_tenant ON branding_themes
    USING (tenant_id = app_tenant_id())
    WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON branding_themes TO hromada_app;

-- +goose Down
DROP TABLE branding_themes;
