-- +goose Up
-- The resident's own documents in the cabinet (seed 003 §4.6.5, seed 000
-- §7), which a provider reads only with the person's consent or where the
-- law allows (seed 003 §4.5(5), seed 000 §8), each reading recorded for the
-- person to see: modules/mydocs.

CREATE TABLE my_documents (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL, -- made by the upload form: a double submit keeps one
    account_id    uuid        NOT NULL,
    kind          text        NOT NULL,
    title         text        NOT NULL,
    expires_on    date,
    file_key      text        NOT NULL,
    file_name     text        NOT NULL,
    content_type  text        NOT NULL,
    size          bigint      NOT NULL,
    sha256        text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz, -- the person deleted it: the file is gone, the row stays for the views' history
    CONSTRAINT my_documents_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT my_documents_account_fkey FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT my_documents_kind_known CHECK (kind IN ('passport', 'id_card', 'birth_certificate', 'certificate', 'photo', 'other')),
    CONSTRAINT my_documents_title_size CHECK (length(title) BETWEEN 1 AND 200)
);
CREATE INDEX my_documents_account_idx ON my_documents (tenant_id, account_id, created_at DESC);

-- A consent lets one provider's officials open the person's documents (all
-- of them, or the ones listed) until a date; revoking ends it at once.
CREATE TABLE document_consents (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    account_id    uuid        NOT NULL,
    provider_id   uuid        NOT NULL,
    document_ids  uuid[],     -- NULL: every document of the person
    valid_until   date        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    CONSTRAINT document_consents_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT document_consents_account_fkey FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT document_consents_provider_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES providers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX document_consents_account_idx ON document_consents (tenant_id, account_id, provider_id);

-- Every opening of a cabinet document by someone other than its owner, and
-- every refused attempt: what the person sees as «Хто переглядав мої
-- документи». Append-only.
CREATE TABLE document_views (
    tenant_id       uuid        NOT NULL,
    id              uuid        NOT NULL,
    document_id     uuid        NOT NULL,
    account_id      uuid        NOT NULL, -- the document's owner
    viewer_id       uuid        NOT NULL,
    viewer_name     text        NOT NULL,
    provider_id     uuid,      -- NULL when the person attached it themselves
    application_id  uuid,
    ground          text        NOT NULL, -- consent, refused; attached: the person copied it into their application
    consent_id      uuid,
    at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT document_views_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT document_views_document_fkey FOREIGN KEY (tenant_id, document_id) REFERENCES my_documents (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT document_views_ground_known CHECK (ground IN ('consent', 'refused', 'attached'))
);
CREATE INDEX document_views_account_idx ON document_views (tenant_id, account_id, at DESC);
CREATE TRIGGER document_views_append_only BEFORE UPDATE OR DELETE ON document_views
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION audit_append_only();

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['my_documents', 'document_consents', 'document_views'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hromada_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE document_views;
DROP TABLE document_consents;
DROP TABLE my_documents;
