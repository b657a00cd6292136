-- +goose Up
-- The register administered in the browser (issue 13): providers, centres
-- (ЦНАП) and life situations change only through revisions that the
-- administrator publishes or returns, as services do (seed 003 §7.3, §7.5).

-- Retired: kept for the history, the audit log and the access grants that
-- name them, but no longer shown to the public.
ALTER TABLE providers ADD COLUMN retired_at timestamptz;
ALTER TABLE life_situations ADD COLUMN retired_at timestamptz;
-- A centre's official website (seed 000 annex 2, item 3).
ALTER TABLE centres
    ADD COLUMN website    text NOT NULL DEFAULT '',
    ADD COLUMN retired_at timestamptz;

-- A proposed change of a provider, a centre or a life situation: content is
-- the whole entity as proposed (a new one has no row until it is published),
-- retire proposes to take it off the portal.
CREATE TABLE register_revisions (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    kind          text        NOT NULL,
    code          text        NOT NULL,
    number        integer     NOT NULL,
    content       jsonb       NOT NULL,
    retire        boolean     NOT NULL DEFAULT false,
    status        text        NOT NULL DEFAULT 'pending',
    basis_date    date        NOT NULL,
    submitted_by  uuid,
    submitted_at  timestamptz NOT NULL DEFAULT now(),
    decided_by    uuid,
    decided_at    timestamptz,
    comment       text        NOT NULL DEFAULT '',
    CONSTRAINT register_revisions_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT register_revisions_number_key UNIQUE (tenant_id, kind, code, number),
    CONSTRAINT register_revisions_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT register_revisions_kind_known CHECK (kind IN ('provider', 'centre', 'life_situation')),
    CONSTRAINT register_revisions_status_known CHECK (status IN ('pending', 'published', 'returned', 'superseded'))
);
CREATE INDEX register_revisions_pending_idx ON register_revisions (tenant_id, status, kind, code);

ALTER TABLE register_revisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE register_revisions FORCE ROW LEVEL SECURITY;
CREATE POLICY register_revisions_tenant ON register_revisions
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON register_revisions TO hromada_app;

-- +goose Down
DROP TABLE register_revisions;
ALTER TABLE centres DROP COLUMN website, DROP COLUMN retired_at;
ALTER TABLE life_situations DROP COLUMN retired_at;
ALTER TABLE providers DROP COLUMN retired_at;
