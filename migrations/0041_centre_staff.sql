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

-- A resident's rating of an application's result, once it was decided, on
-- the same four-level scale as a visit's (4 чудово … 1 жахливо), with
-- reasons and free text, once per application (modules/applications
-- rating.go); counted per service and provider in monitoring's service
-- days (rated_1 … rated_4 below), so it reaches the dashboards and the
-- national exchange as the centres' ratings do.
CREATE TABLE result_ratings (
    tenant_id       uuid        NOT NULL,
    application_id  uuid        NOT NULL,
    service_id      uuid        NOT NULL,
    provider_id     uuid        NOT NULL,
    score           smallint    NOT NULL,
    reasons         text[]      NOT NULL DEFAULT '{}',
    comment         text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT result_ratings_pkey PRIMARY KEY (tenant_id, application_id),
    CONSTRAINT result_ratings_application_fkey FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT result_ratings_service_fkey FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id),
    CONSTRAINT result_ratings_provider_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES providers (tenant_id, id),
    CONSTRAINT result_ratings_score CHECK (score BETWEEN 1 AND 4),
    CONSTRAINT result_ratings_reasons_known CHECK (reasons <@ ARRAY['speed', 'competence', 'information', 'politeness', 'result']::text[]),
    CONSTRAINT result_ratings_comment_length CHECK (length(comment) <= 2000)
);
CREATE INDEX result_ratings_created ON result_ratings (tenant_id, created_at);

ALTER TABLE monitoring_service_days ADD COLUMN rated_1 integer NOT NULL DEFAULT 0;
ALTER TABLE monitoring_service_days ADD COLUMN rated_2 integer NOT NULL DEFAULT 0;
ALTER TABLE monitoring_service_days ADD COLUMN rated_3 integer NOT NULL DEFAULT 0;
ALTER TABLE monitoring_service_days ADD COLUMN rated_4 integer NOT NULL DEFAULT 0;

ALTER TABLE result_ratings ENABLE ROW LEVEL SECURITY;
ALTER TABLE result_ratings FORCE ROW LEVEL SECURITY;
CREATE POLICY result_ratings_tenant ON result_ratings
    USING (tenant_id = app_tenant_id())
    WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON result_ratings TO hromada_app;

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
ALTER TABLE monitoring_service_days DROP COLUMN rated_4;
ALTER TABLE monitoring_service_days DROP COLUMN rated_3;
ALTER TABLE monitoring_service_days DROP COLUMN rated_2;
ALTER TABLE monitoring_service_days DROP COLUMN rated_1;
DROP TABLE result_ratings;
DROP TABLE centre_materials;
DROP TABLE centre_events;
DROP TABLE centre_vacancies;
