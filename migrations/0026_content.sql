-- +goose Up
-- The city's news and pages (seed 003 §2.2.15: informational content) and
-- residents' and providers' remarks about the portal itself (seed 003
-- §4.4(12), §4.6 rights 7–8): modules/content.

CREATE TABLE content_items (
    tenant_id   uuid        NOT NULL,
    id          uuid        NOT NULL,
    kind        text        NOT NULL,
    slug        text        NOT NULL,
    title_uk    text        NOT NULL,
    title_en    text        NOT NULL DEFAULT '',
    summary_uk  text        NOT NULL DEFAULT '',
    summary_en  text        NOT NULL DEFAULT '',
    body_uk     text        NOT NULL, -- Markdown, rendered without raw HTML
    body_en     text        NOT NULL DEFAULT '',
    in_footer   boolean     NOT NULL DEFAULT false,
    status      text        NOT NULL DEFAULT 'draft',
    publish_at  timestamptz,          -- shown from then on (scheduled publication); NULL while a draft
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  uuid,
    CONSTRAINT content_items_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT content_items_slug_once UNIQUE (tenant_id, kind, slug),
    CONSTRAINT content_items_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT content_items_updated_by_fkey FOREIGN KEY (tenant_id, updated_by) REFERENCES accounts (tenant_id, id) ON DELETE SET NULL (updated_by),
    CONSTRAINT content_items_kind_known CHECK (kind IN ('news', 'page')),
    CONSTRAINT content_items_slug_form CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 80),
    CONSTRAINT content_items_status_known CHECK (status IN ('draft', 'published', 'retired')),
    CONSTRAINT content_items_published_when CHECK (status <> 'published' OR publish_at IS NOT NULL),
    CONSTRAINT content_items_sizes CHECK (length(title_uk) BETWEEN 1 AND 200 AND length(title_en) <= 200
        AND length(summary_uk) <= 500 AND length(summary_en) <= 500
        AND length(body_uk) BETWEEN 1 AND 50000 AND length(body_en) <= 50000)
);
CREATE INDEX content_items_shown_idx ON content_items (tenant_id, kind, publish_at DESC) WHERE status = 'published';

CREATE TABLE portal_feedback (
    tenant_id    uuid        NOT NULL,
    id           uuid        NOT NULL, -- made by the form, so a double submit inserts once
    number       bigint      NOT NULL,
    account_id   uuid        NOT NULL,
    kind         text        NOT NULL,
    about        text        NOT NULL DEFAULT '', -- the page it is about, as the person gave it
    body         text        NOT NULL,
    status       text        NOT NULL DEFAULT 'new',
    answer       text        NOT NULL DEFAULT '',
    answered_by  uuid,
    answered_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT portal_feedback_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT portal_feedback_number_once UNIQUE (tenant_id, number),
    CONSTRAINT portal_feedback_account_fkey FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT portal_feedback_answered_by_fkey FOREIGN KEY (tenant_id, answered_by) REFERENCES accounts (tenant_id, id) ON DELETE SET NULL (answered_by),
    CONSTRAINT portal_feedback_kind_known CHECK (kind IN ('remark', 'proposal')),
    CONSTRAINT portal_feedback_status_known CHECK (status IN ('new', 'answered')),
    CONSTRAINT portal_feedback_answered CHECK ((status = 'answered') = (answered_at IS NOT NULL) AND (status <> 'answered' OR length(answer) > 0)),
    CONSTRAINT portal_feedback_sizes CHECK (length(body) BETWEEN 1 AND 4000 AND length(about) <= 300 AND length(answer) <= 4000)
);
CREATE INDEX portal_feedback_queue_idx ON portal_feedback (tenant_id, status, created_at);
CREATE INDEX portal_feedback_account_idx ON portal_feedback (tenant_id, account_id, created_at DESC);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['content_items', 'portal_feedback'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hromada_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE portal_feedback;
DROP TABLE content_items;
