-- +goose Up
-- The register of services (seed 003 annex 1–2, seed 000 annexes 1–2).
-- Ukrainian search: the brown-uk Hunspell dictionary (Debian's hunspell-uk,
-- linked into PostgreSQL's tsearch_data by postgresql-common) lemmatises;
-- unknown words fall through to simple; pg_trgm matches parts of words and
-- typos.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- btree_gin lets one GIN index serve the tenant's equality and the text
-- match together: RLS adds tenant_id = app_tenant_id() to every query.
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE TEXT SEARCH DICTIONARY uk_hunspell (TEMPLATE = ispell, DictFile = uk_ua, AffFile = uk_ua, StopWords = english);
CREATE TEXT SEARCH CONFIGURATION ukrainian (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION ukrainian
    ALTER MAPPING FOR word, hword, hword_part, asciiword, asciihword, hword_asciipart
    WITH uk_hunspell, simple;

-- Providers: what seed 003 annex 2 asks beyond 0003's columns.
ALTER TABLE providers
    ADD COLUMN kind        text  NOT NULL DEFAULT '',
    ADD COLUMN name        jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN address     jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN phone       text  NOT NULL DEFAULT '',
    ADD COLUMN website     text  NOT NULL DEFAULT '',
    ADD COLUMN email       text  NOT NULL DEFAULT '',
    ADD COLUMN hours       jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN units       jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN responsible jsonb NOT NULL DEFAULT '[]';

CREATE TABLE life_situations (
    tenant_id    uuid    NOT NULL,
    id           uuid    NOT NULL,
    code         text    NOT NULL,
    name         jsonb   NOT NULL,
    description  jsonb   NOT NULL DEFAULT '{}',
    position     integer NOT NULL DEFAULT 0,
    CONSTRAINT life_situations_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT life_situations_code_key UNIQUE (tenant_id, code),
    CONSTRAINT life_situations_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);

CREATE TABLE centres (
    tenant_id    uuid             NOT NULL,
    id           uuid             NOT NULL,
    code         text             NOT NULL,
    kind         text             NOT NULL DEFAULT 'centre',
    parent_code  text             NOT NULL DEFAULT '',
    body         text             NOT NULL DEFAULT '',
    body_edrpou  text             NOT NULL DEFAULT '',
    name         jsonb            NOT NULL,
    address      jsonb            NOT NULL DEFAULT '{}',
    lat          double precision NOT NULL DEFAULT 0,
    lon          double precision NOT NULL DEFAULT 0,
    hours        jsonb            NOT NULL DEFAULT '{}',
    phone        text             NOT NULL DEFAULT '',
    email        text             NOT NULL DEFAULT '',
    CONSTRAINT centres_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT centres_code_key UNIQUE (tenant_id, code),
    CONSTRAINT centres_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);

-- A service and its published content. search (lemmatised), search_folded
-- (letters people confuse folded together: и/і/ї, е/є, г/ґ) and search_text
-- (for trigrams) are kept in the same transaction as the publication that
-- changes the content.
CREATE TABLE services (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    code          text        NOT NULL,
    provider_id   uuid        NOT NULL,
    content       jsonb,
    published_at  timestamptz,
    search        tsvector    NOT NULL DEFAULT ''::tsvector,
    search_folded tsvector    NOT NULL DEFAULT ''::tsvector,
    search_text   text        NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT services_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT services_code_key UNIQUE (tenant_id, code),
    CONSTRAINT services_provider_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES providers (tenant_id, id)
);
CREATE INDEX services_search_idx ON services USING gin (tenant_id, search);
CREATE INDEX services_search_folded_idx ON services USING gin (tenant_id, search_folded);
CREATE INDEX services_search_trgm_idx ON services USING gin (tenant_id, search_text gin_trgm_ops);

-- Proposed changes to a service's information (seed 003 §7.3–7.6).
CREATE TABLE service_revisions (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    service_id    uuid        NOT NULL,
    number        integer     NOT NULL,
    content       jsonb       NOT NULL,
    status        text        NOT NULL DEFAULT 'pending',
    basis_date    date        NOT NULL,
    submitted_by  uuid,
    submitted_at  timestamptz NOT NULL DEFAULT now(),
    decided_by    uuid,
    decided_at    timestamptz,
    comment       text        NOT NULL DEFAULT '',
    CONSTRAINT service_revisions_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT service_revisions_number_key UNIQUE (tenant_id, service_id, number),
    CONSTRAINT service_revisions_service_fkey FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT service_revisions_status_known CHECK (status IN ('pending', 'published', 'returned', 'superseded'))
);

CREATE TABLE service_life_situations (
    tenant_id          uuid NOT NULL,
    service_id         uuid NOT NULL,
    life_situation_id  uuid NOT NULL,
    CONSTRAINT service_life_situations_pkey PRIMARY KEY (tenant_id, service_id, life_situation_id),
    CONSTRAINT service_life_situations_service_fkey FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT service_life_situations_situation_fkey FOREIGN KEY (tenant_id, life_situation_id) REFERENCES life_situations (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE centre_services (
    tenant_id   uuid NOT NULL,
    centre_id   uuid NOT NULL,
    service_id  uuid NOT NULL,
    CONSTRAINT centre_services_pkey PRIMARY KEY (tenant_id, centre_id, service_id),
    CONSTRAINT centre_services_centre_fkey FOREIGN KEY (tenant_id, centre_id) REFERENCES centres (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT centre_services_service_fkey FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id) ON DELETE CASCADE
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['life_situations', 'centres', 'services', 'service_revisions', 'service_life_situations', 'centre_services'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hromada_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE centre_services;
DROP TABLE service_life_situations;
DROP TABLE service_revisions;
DROP TABLE services;
DROP TABLE centres;
DROP TABLE life_situations;
ALTER TABLE providers DROP COLUMN kind, DROP COLUMN name, DROP COLUMN address, DROP COLUMN phone, DROP COLUMN website,
    DROP COLUMN email, DROP COLUMN hours, DROP COLUMN units, DROP COLUMN responsible;
DROP TEXT SEARCH CONFIGURATION ukrainian;
DROP TEXT SEARCH DICTIONARY uk_hunspell;
