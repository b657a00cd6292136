-- +goose Up
-- Interaction with state and city registries through the system of
-- electronic interaction (Trembita 2.0 on UXP, or plain X-Road REST), seed
-- 003 §5.5: each city's registry services, and the log of every query
-- (personal data access is accountable: who asked what about whom, why).

-- A registry service as the city reaches it: the city's security server,
-- the service's identifier on the exchange, and the city's own client
-- identifier. code is our name for it (residents, vehicles, benefits, land).
CREATE TABLE registry_services (
    tenant_id            uuid        NOT NULL,
    id                   uuid        NOT NULL,
    code                 text        NOT NULL,
    dialect              text        NOT NULL,
    base_url             text        NOT NULL,
    instance             text        NOT NULL,
    member_class         text        NOT NULL,
    member_code          text        NOT NULL,
    subsystem            text        NOT NULL,
    service_code         text        NOT NULL,
    version              text        NOT NULL DEFAULT '',
    client_instance      text        NOT NULL,
    client_member_class  text        NOT NULL,
    client_member_code   text        NOT NULL,
    client_subsystem     text        NOT NULL,
    timeout_ms           integer     NOT NULL DEFAULT 0,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT registry_services_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT registry_services_code_key UNIQUE (tenant_id, code),
    CONSTRAINT registry_services_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT registry_services_dialect_known CHECK (dialect IN ('uxp', 'xroad')),
    CONSTRAINT registry_services_timeout_range CHECK (timeout_ms BETWEEN 0 AND 300000)
);

-- One row per query, written when it ends; never changed or removed (but
-- with the tenant). id is the query id sent to the registry (Uxp-QueryID or
-- X-Road-Id), so both sides' logs name a query alike. The service is kept
-- by its identifiers, not by a reference, so the log outlives changes to
-- the configuration.
CREATE TABLE registry_queries (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    at            timestamptz NOT NULL DEFAULT now(),
    service_code  text        NOT NULL,
    service       text        NOT NULL,
    client        text        NOT NULL DEFAULT '',
    dialect       text        NOT NULL,
    path          text        NOT NULL DEFAULT '',
    purposes      text[]      NOT NULL,
    subject       text        NOT NULL DEFAULT '',
    user_id       text        NOT NULL DEFAULT '',
    status        integer     NOT NULL DEFAULT 0,
    outcome       text        NOT NULL,
    attempts      integer     NOT NULL DEFAULT 0,
    duration_ms   integer     NOT NULL DEFAULT 0,
    error         text        NOT NULL DEFAULT '',
    CONSTRAINT registry_queries_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT registry_queries_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT registry_queries_outcome_known CHECK (outcome IN ('ok', 'not_found', 'bad_answer', 'refused', 'unavailable'))
);
-- "Who looked at my data" (by subject) and the recent log.
CREATE INDEX registry_queries_subject_idx ON registry_queries (tenant_id, subject, at DESC);
CREATE INDEX registry_queries_at_idx ON registry_queries (tenant_id, at DESC);
CREATE TRIGGER registry_queries_append_only BEFORE UPDATE OR DELETE ON registry_queries
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['registry_services', 'registry_queries'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hromada_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE registry_queries;
DROP TABLE registry_services;
