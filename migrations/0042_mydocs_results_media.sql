-- +goose Up
-- Issue 25, the rest (modules/mydocs, modules/content):
--
-- * A result the city issued shows in the person's «Мої документи» as a
--   document of kind "result" without being copied: mydocs reads it from
--   issued_documents (a union), so a view of one names an issued
--   document's id, not a my_documents row — the foreign key goes, and the
--   title shown is read from whichever of the two holds the id.
-- * The official opening the copy the person attached to an application is
--   shown to the person too (ground 'copy'): the 'attached' row keeps the
--   copy's object key, which is how the opening is traced back.
-- * An official may open a cabinet document without consent only where
--   the law allows (ground 'law'), naming the law (legal_ground, a code
--   mydocs defines) and the case (legal_note).
-- * Short videos (kind 'video') in the cabinet.
-- * Images uploaded with the city's news and pages (content_images).

ALTER TABLE document_views DROP CONSTRAINT document_views_document_fkey;
ALTER TABLE document_views DROP CONSTRAINT document_views_ground_known;
ALTER TABLE document_views
    ADD COLUMN copy_key     text, -- ground 'attached': the application's copy's object key
    ADD COLUMN legal_ground text, -- ground 'law': mydocs.LegalGrounds' code
    ADD COLUMN legal_note   text, -- ground 'law': the case, as the official wrote it
    ADD CONSTRAINT document_views_ground_known CHECK (ground IN ('consent', 'refused', 'attached', 'copy', 'law')),
    ADD CONSTRAINT document_views_law_named CHECK (ground <> 'law'
        OR (legal_ground IS NOT NULL AND length(legal_note) BETWEEN 1 AND 1000));
CREATE INDEX document_views_copy_idx ON document_views (tenant_id, copy_key) WHERE copy_key IS NOT NULL;

ALTER TABLE my_documents DROP CONSTRAINT my_documents_kind_known;
ALTER TABLE my_documents ADD CONSTRAINT my_documents_kind_known
    CHECK (kind IN ('passport', 'id_card', 'birth_certificate', 'certificate', 'photo', 'video', 'other'));

-- An image of a news item or page: the file in the document store under
-- the city's space, served by the portal itself at /news/images/{id} (the
-- Content-Security-Policy lets images come from the portal's own origin
-- only), with the alt text the dispatcher must give.
CREATE TABLE content_images (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL, -- made by the upload form: a double submit keeps one
    alt           text        NOT NULL,
    file_key      text        NOT NULL,
    file_name     text        NOT NULL,
    content_type  text        NOT NULL,
    size          bigint      NOT NULL,
    sha256        text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    uuid,
    CONSTRAINT content_images_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT content_images_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT content_images_created_by_fkey FOREIGN KEY (tenant_id, created_by) REFERENCES accounts (tenant_id, id) ON DELETE SET NULL (created_by),
    CONSTRAINT content_images_type_known CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
    CONSTRAINT content_images_alt_size CHECK (length(alt) BETWEEN 1 AND 300)
);
CREATE INDEX content_images_created_idx ON content_images (tenant_id, created_at DESC);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['content_images'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hromada_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE content_images;
ALTER TABLE my_documents DROP CONSTRAINT my_documents_kind_known;
ALTER TABLE my_documents ADD CONSTRAINT my_documents_kind_known
    CHECK (kind IN ('passport', 'id_card', 'birth_certificate', 'certificate', 'photo', 'other'));
DROP INDEX document_views_copy_idx;
ALTER TABLE document_views DROP CONSTRAINT document_views_law_named;
ALTER TABLE document_views DROP CONSTRAINT document_views_ground_known;
ALTER TABLE document_views DROP COLUMN copy_key, DROP COLUMN legal_ground, DROP COLUMN legal_note;
ALTER TABLE document_views ADD CONSTRAINT document_views_ground_known CHECK (ground IN ('consent', 'refused', 'attached'));
ALTER TABLE document_views ADD CONSTRAINT document_views_document_fkey FOREIGN KEY (tenant_id, document_id) REFERENCES my_documents (tenant_id, id) ON DELETE CASCADE;
