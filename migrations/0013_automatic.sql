-- +goose Up
-- Automatic mode (seed 003 §5.5–5.13): the services' rule sets, each
-- application's run through the pipeline, and the issued result documents
-- that the public verification page (the QR code) looks up.

-- A service's rule set, versioned and published like its form.
CREATE TABLE service_rules (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    service_id    uuid        NOT NULL,
    version       integer     NOT NULL,
    rules         jsonb       NOT NULL,
    status        text        NOT NULL DEFAULT 'pending',
    submitted_by  uuid,
    submitted_at  timestamptz NOT NULL DEFAULT now(),
    decided_by    uuid,
    decided_at    timestamptz,
    comment       text        NOT NULL DEFAULT '',
    CONSTRAINT service_rules_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT service_rules_version_key UNIQUE (tenant_id, service_id, version),
    CONSTRAINT service_rules_service_fkey FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT service_rules_status_known CHECK (status IN ('pending', 'published', 'returned', 'superseded'))
);
CREATE UNIQUE INDEX service_rules_one_published ON service_rules (tenant_id, service_id) WHERE status = 'published';

-- An application's way through the pipeline: the step reached, what the
-- registries said, the outcome, and why it went to officials if it did.
-- Every step checks it first, so a repeated job does nothing twice.
CREATE TABLE automatic_runs (
    tenant_id       uuid        NOT NULL,
    application_id  uuid        NOT NULL,
    rules_id        uuid,
    step            text        NOT NULL DEFAULT 'verify',
    facts           jsonb       NOT NULL DEFAULT '{}',
    outcome         jsonb       NOT NULL DEFAULT '{}',
    reason          text        NOT NULL DEFAULT '',
    document_id     uuid,
    started_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    CONSTRAINT automatic_runs_pkey PRIMARY KEY (tenant_id, application_id),
    CONSTRAINT automatic_runs_application_fkey FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT automatic_runs_step_known CHECK (step IN ('verify', 'decide', 'render', 'seal', 'store', 'notify', 'done', 'manual'))
);

-- An issued, sealed result: what the QR code's verification page shows.
-- summary holds what anyone holding the QR may see (no personal data
-- beyond the masked applicant).
CREATE TABLE issued_documents (
    tenant_id       uuid        NOT NULL,
    id              uuid        NOT NULL,
    application_id  uuid        NOT NULL,
    title           text        NOT NULL,
    sha256          text        NOT NULL,
    pdf_key         text        NOT NULL,
    signature_key   text        NOT NULL,
    signature_sha256 text       NOT NULL,
    issuer          text        NOT NULL,
    summary         jsonb       NOT NULL DEFAULT '{}',
    issued_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT issued_documents_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT issued_documents_application_key UNIQUE (tenant_id, application_id),
    CONSTRAINT issued_documents_application_fkey FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id)
);
CREATE TRIGGER issued_documents_append_only BEFORE UPDATE OR DELETE ON issued_documents
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['service_rules', 'automatic_runs', 'issued_documents'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hromada_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE issued_documents;
DROP TABLE automatic_runs;
DROP TABLE service_rules;
