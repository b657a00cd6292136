-- +goose Up
-- What service centres publish besides their appointments (issue 19; seed
-- 001, the Diia Centers platform's tasks 4–10): vacancies, the events
-- calendar, and the templates and training materials only the city's
-- staff may read (modules/centres, staff.go).

-- A vacancy at a centre, published by its provider's head or the city's
-- dispatcher; it leaves the public list when closed, or after closes_on.
CREATE TABLE centre_vacancies (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    centre_id     uuid        NOT NULL,
    title         text        NOT NULL,
    description   text        NOT NULL,
    how_to_apply  text        NOT NULL,
    closes_on     date        NOT NULL,
    status        text        NOT NULL DEFAULT 'published',
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    uuid        NOT NULL,
    closed_at     timestamptz,
    CONSTRAINT centre_vacancies_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT centre_vacancies_centre_fkey FOREIGN KEY (tenant_id, centre_id) REFERENCES centres (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT centre_vacancies_created_by_fkey FOREIGN KEY (tenant_id, created_by) REFERENCES accounts (tenant_id, id),
    CONSTRAINT centre_vacancies_status_known CHECK (status IN ('published', 'closed')),
    CONSTRAINT centre_vacancies_text_length CHECK (length(title) BETWEEN 1 AND 200
        AND length(description) <= 5000 AND length(how_to_apply) <= 2000)
);
CREATE INDEX centre_vacancies_open ON centre_vacancies (tenant_id, closes_on) WHERE status = 'published';

-- An event a centre organises, at the centre or online (then link is
-- where it is held), from starts_at to ends_at.
CREATE TABLE centre_events (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    centre_id     uuid        NOT NULL,
    title         text        NOT NULL,
    description   text        NOT NULL,
    online        boolean     NOT NULL DEFAULT false,
    link          text        NOT NULL DEFAULT '',
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    uuid        NOT NULL,
    cancelled_at  timestamptz,
    CONSTRAINT centre_events_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT centre_events_centre_fkey FOREIGN KEY (tenant_id, centre_id) REFERENCES centres (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT centre_events_created_by_fkey FOREIGN KEY (tenant_id, created_by) REFERENCES accounts (tenant_id, id),
    CONSTRAINT centre_events_order CHECK (starts_at < ends_at),
    CONSTRAINT centre_events_text_length CHECK (length(title) BETWEEN 1 AND 200
        AND length(description) <= 5000 AND length(link) <= 500)
);
CREATE INDEX centre_events_starts ON centre_events (tenant_id, starts_at);

-- A template or training material for the city's staff: Markdown text,
-- a file (its key in the document store, sniffed on upload), or both.
CREATE TABLE centre_materials (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    title         text        NOT NULL,
    body          text        NOT NULL DEFAULT '',
    file_key      text,
    file_name     text,
    content_type  text,
    size          bigint,
    sha256        text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    uuid        NOT NULL,
    CONSTRAINT centre_materials_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT centre_materials_created_by_fkey FOREIGN KEY (tenant_id, created_by) REFERENCES accounts (tenant_id, id),
    CONSTRAINT centre_materials_file_whole CHECK ((file_key IS NULL) = (file_name IS NULL)
        AND (file_key IS NULL) = (content_type IS NULL) AND (file_key IS NULL) = (sha256 IS NULL)),
    CONSTRAINT centre_materials_text_length CHECK (length(title) BETWEEN 1 AND 200 AND length(body) <= 50000)
);
CREATE INDEX centre_materials_created ON centre_materials (tenant_id, created_at);

ALTER TABLE centre_vacancies ENABLE ROW LEVEL SECURITY;
ALTER TABLE centre_vacancies FORCE ROW LEVEL SECURITY;
CREATE POLICY centre_vacancies_tenant ON centre_vacancies
    USING (tenant_id = app_tenant_id())
    WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON centre_vacancies TO hromada_app;

ALTER TABLE centre_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE centre_events FORCE ROW LEVEL SECURITY;
CREATE POLICY centre_events_tenant ON centre_events
    USING (tenant_id = app_tenant_id())
    WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON centre_events TO hromada_app;

ALTER TABLE centre_materials ENABLE ROW LEVEL SECURITY;
ALTER TABLE centre_materials FORCE ROW LEVEL SECURITY;
CREATE POLICY centre_materials_tenant ON centre_materials
    USING (tenant_id = app_tenant_id())
    WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON centre_materials TO hromada_app;

-- +goose Down
DROP TABLE centre_materials;
DROP TABLE centre_events;
DROP TABLE centre_vacancies;
