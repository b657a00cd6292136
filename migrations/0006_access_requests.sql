-- +goose Up
-- A provider head's written request for an official's access (seed 003
-- §6.2–6.3): who the person is, what they do, how to reach them. Personal
-- data: a tenant table under RLS, read by the administrator who decides.
CREATE TABLE access_requests (
    tenant_id        uuid        NOT NULL,
    id               uuid        NOT NULL,
    number           bigint      NOT NULL,
    provider_id      uuid        NOT NULL,
    filed_by         uuid        NOT NULL,
    filed_at         timestamptz NOT NULL DEFAULT now(),
    role             text        NOT NULL DEFAULT 'official',
    full_name        text        NOT NULL,
    birth_date       date        NOT NULL,
    document_kind    text        NOT NULL,
    document_number  text        NOT NULL,
    rnokpp           text        NOT NULL DEFAULT '',
    rnokpp_refused   boolean     NOT NULL DEFAULT false,
    position         text        NOT NULL,
    organisation     text        NOT NULL,
    unit             text        NOT NULL DEFAULT '',
    has_qualified_certificate boolean NOT NULL DEFAULT false,
    phone            text        NOT NULL,
    email            text        NOT NULL,
    status           text        NOT NULL DEFAULT 'pending',
    decided_by       uuid,
    decided_at       timestamptz,
    decision_note    text        NOT NULL DEFAULT '',
    grant_id         uuid,
    CONSTRAINT access_requests_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT access_requests_number_key UNIQUE (tenant_id, number),
    CONSTRAINT access_requests_provider_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES providers (tenant_id, id),
    CONSTRAINT access_requests_filed_by_fkey FOREIGN KEY (tenant_id, filed_by) REFERENCES accounts (tenant_id, id),
    CONSTRAINT access_requests_status_known CHECK (status IN ('pending', 'granted', 'rejected'))
);
CREATE INDEX access_requests_pending_idx ON access_requests (tenant_id, status, filed_at);

ALTER TABLE access_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE access_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY access_requests_tenant ON access_requests
    USING (tenant_id = app_tenant_id())
    WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON access_requests TO hromada_app;

-- +goose Down
DROP TABLE access_requests;
