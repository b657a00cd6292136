-- +goose Up
-- Citizens' appeals (issue 18; the Law of Ukraine «Про звернення
-- громадян»): proposals, statements and complaints filed by signed-in
-- residents, routed by the city's rules to a provider (and its unit),
-- answered within the law's term in the city's calendar.
--
-- The law's "never to the body or official the complaint is about"
-- (art. 7) is a CHECK here as well as in the routing code: whatever
-- writes the row, an appeal's provider is never the provider it is about,
-- and the official who takes or answers it never the official it is about.
-- The law's 45 days at most (art. 20) is a CHECK on the due date.

-- The city's classifier of appeals: categories (what an appeal is about).
-- public says an appeal of the category concerns a public thing (a
-- pothole, a street light) and may be published, without personal data,
-- when its author agrees (the list and Open311).
CREATE TABLE appeal_categories (
    tenant_id  uuid    NOT NULL,
    id         uuid    NOT NULL,
    code       text    NOT NULL,
    name_uk    text    NOT NULL,
    name_en    text    NOT NULL DEFAULT '',
    public     boolean NOT NULL DEFAULT false,
    position   integer NOT NULL DEFAULT 0,
    CONSTRAINT appeal_categories_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT appeal_categories_code_key UNIQUE (tenant_id, code),
    CONSTRAINT appeal_categories_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT appeal_categories_code_shape CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,39}$')
);

-- The city's districts, as the routing rules and the filing form name them.
CREATE TABLE appeal_districts (
    tenant_id  uuid NOT NULL,
    code       text NOT NULL,
    name_uk    text NOT NULL,
    name_en    text NOT NULL DEFAULT '',
    CONSTRAINT appeal_districts_pkey PRIMARY KEY (tenant_id, code),
    CONSTRAINT appeal_districts_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);

-- The routing rules the dispatcher edits: an appeal of category, in
-- district ('' any), whose text has one of keywords (none: any text),
-- goes to provider and its unit. The most specific rule wins (district
-- and keywords both count), then the lowest position.
CREATE TABLE appeal_routes (
    tenant_id    uuid        NOT NULL,
    id           uuid        NOT NULL,
    category_id  uuid        NOT NULL,
    district     text        NOT NULL DEFAULT '',
    keywords     text[]      NOT NULL DEFAULT '{}',
    provider_id  uuid        NOT NULL,
    unit         text        NOT NULL DEFAULT '',
    position     integer     NOT NULL DEFAULT 0,
    updated_by   uuid,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT appeal_routes_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT appeal_routes_category_fkey FOREIGN KEY (tenant_id, category_id) REFERENCES appeal_categories (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT appeal_routes_provider_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES providers (tenant_id, id)
);
CREATE INDEX appeal_routes_category_idx ON appeal_routes (tenant_id, category_id, position);

-- The per-city running number of appeals, per year: "З-2026-000123".
CREATE TABLE appeal_counters (
    tenant_id  uuid    NOT NULL,
    year       integer NOT NULL,
    last       integer NOT NULL DEFAULT 0,
    CONSTRAINT appeal_counters_pkey PRIMARY KEY (tenant_id, year),
    CONSTRAINT appeal_counters_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);

-- An appeal. provider_id NULL: no rule routed it, the dispatcher's to
-- send. about_provider_id / about_official_id: for a complaint, whose
-- decision it complains about (an application's provider and the
-- official who decided it). repeated_of: an earlier appeal of the same
-- author on the same matter, still unanswered when this one came.
CREATE TABLE appeals (
    tenant_id          uuid          NOT NULL,
    id                 uuid          NOT NULL,
    number             text          NOT NULL,
    kind               text          NOT NULL,
    category_id        uuid          NOT NULL,
    author_id          uuid          NOT NULL,
    author_name        text          NOT NULL,
    body               text          NOT NULL,
    address            text          NOT NULL DEFAULT '',
    lat                double precision,
    lon                double precision,
    district           text          NOT NULL DEFAULT '',
    provider_id        uuid,
    unit               text          NOT NULL DEFAULT '',
    about_provider_id  uuid,
    about_official_id  uuid,
    application_id     uuid,
    repeated_of        uuid,
    status             text          NOT NULL DEFAULT 'received',
    public             boolean       NOT NULL DEFAULT false,
    received_at        timestamptz   NOT NULL,
    due_on             date          NOT NULL,
    assignee_id        uuid,
    forwarded_at       timestamptz,
    answer             text          NOT NULL DEFAULT '',
    answered_by        uuid,
    answered_at        timestamptz,
    rating             integer,
    rated_at           timestamptz,
    idempotency_key    text          NOT NULL,
    updated_at         timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT appeals_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT appeals_number_key UNIQUE (tenant_id, number),
    CONSTRAINT appeals_idempotency_key UNIQUE (tenant_id, author_id, idempotency_key),
    CONSTRAINT appeals_category_fkey FOREIGN KEY (tenant_id, category_id) REFERENCES appeal_categories (tenant_id, id),
    CONSTRAINT appeals_author_fkey FOREIGN KEY (tenant_id, author_id) REFERENCES accounts (tenant_id, id),
    CONSTRAINT appeals_provider_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES providers (tenant_id, id),
    CONSTRAINT appeals_about_provider_fkey FOREIGN KEY (tenant_id, about_provider_id) REFERENCES providers (tenant_id, id),
    CONSTRAINT appeals_about_official_fkey FOREIGN KEY (tenant_id, about_official_id) REFERENCES accounts (tenant_id, id),
    CONSTRAINT appeals_assignee_fkey FOREIGN KEY (tenant_id, assignee_id) REFERENCES accounts (tenant_id, id),
    CONSTRAINT appeals_application_fkey FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id),
    CONSTRAINT appeals_repeated_fkey FOREIGN KEY (tenant_id, repeated_of) REFERENCES appeals (tenant_id, id),
    CONSTRAINT appeals_kind_known CHECK (kind IN ('proposal', 'statement', 'complaint')),
    CONSTRAINT appeals_status_known CHECK (status IN ('received', 'in_work', 'clarification', 'answered')),
    CONSTRAINT appeals_rating_range CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
    CONSTRAINT appeals_point_complete CHECK ((lat IS NULL) = (lon IS NULL) AND coalesce(lat BETWEEN -90 AND 90, true) AND coalesce(lon BETWEEN -180 AND 180, true)),
    CONSTRAINT appeals_about_only_complaints CHECK (kind = 'complaint' OR (about_provider_id IS NULL AND about_official_id IS NULL)),
    -- art. 7: never to the body or the official the complaint is about.
    CONSTRAINT appeals_not_to_subject CHECK ((about_provider_id IS NULL OR provider_id IS DISTINCT FROM about_provider_id)
        AND (about_official_id IS NULL OR (assignee_id IS DISTINCT FROM about_official_id AND answered_by IS DISTINCT FROM about_official_id))),
    -- art. 20: 45 days at most from the day it was received.
    CONSTRAINT appeals_term_max CHECK (due_on <= (received_at AT TIME ZONE 'Europe/Kyiv')::date + 45),
    CONSTRAINT appeals_answered_complete CHECK (status <> 'answered' OR (answered_at IS NOT NULL AND answered_by IS NOT NULL))
);
CREATE INDEX appeals_author_idx ON appeals (tenant_id, author_id, received_at DESC);
CREATE INDEX appeals_queue_idx ON appeals (tenant_id, provider_id, status, due_on);
CREATE INDEX appeals_public_idx ON appeals (tenant_id, received_at DESC) WHERE public;

-- The appeal's thread: the resident's text is the appeal itself; here the
-- questions and answers that follow, the forwarding, the extension, the
-- signed answer. kind says which; from_resident who wrote it.
CREATE TABLE appeal_messages (
    tenant_id      uuid        NOT NULL,
    id             uuid        NOT NULL,
    appeal_id      uuid        NOT NULL,
    kind           text        NOT NULL,
    from_resident  boolean     NOT NULL DEFAULT false,
    author_id      uuid,
    author_name    text        NOT NULL DEFAULT '',
    body           text        NOT NULL DEFAULT '',
    at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT appeal_messages_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT appeal_messages_appeal_fkey FOREIGN KEY (tenant_id, appeal_id) REFERENCES appeals (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT appeal_messages_kind_known CHECK (kind IN ('question', 'reply', 'forward', 'extend', 'answer', 'note'))
);
CREATE INDEX appeal_messages_appeal_idx ON appeal_messages (tenant_id, appeal_id, at);
CREATE TRIGGER appeal_messages_append_only BEFORE UPDATE OR DELETE ON appeal_messages
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

-- Files of an appeal: the resident's attachments (photos, documents) and
-- the signed answer (the PDF and its detached signature). The bytes are
-- in the document store under key.
CREATE TABLE appeal_files (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    appeal_id     uuid        NOT NULL,
    kind          text        NOT NULL,
    name          text        NOT NULL,
    content_type  text        NOT NULL,
    size          bigint      NOT NULL,
    sha256        text        NOT NULL,
    key           text        NOT NULL,
    at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT appeal_files_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT appeal_files_appeal_fkey FOREIGN KEY (tenant_id, appeal_id) REFERENCES appeals (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT appeal_files_kind_known CHECK (kind IN ('attachment', 'answer', 'answer_signature'))
);
CREATE INDEX appeal_files_appeal_idx ON appeal_files (tenant_id, appeal_id);

-- Every change of an appeal's term: 'set' when it was received, 'extend'
-- with the official's reason. Only added.
CREATE TABLE appeal_term_changes (
    tenant_id  uuid        NOT NULL,
    id         uuid        NOT NULL,
    appeal_id  uuid        NOT NULL,
    kind       text        NOT NULL,
    old_due    date,
    new_due    date        NOT NULL,
    reason     text        NOT NULL DEFAULT '',
    actor_id   uuid,
    at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT appeal_term_changes_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT appeal_term_changes_appeal_fkey FOREIGN KEY (tenant_id, appeal_id) REFERENCES appeals (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT appeal_term_changes_kind_known CHECK (kind IN ('set', 'extend')),
    CONSTRAINT appeal_term_changes_reason CHECK (kind <> 'extend' OR btrim(reason) <> '')
);
CREATE INDEX appeal_term_changes_appeal_idx ON appeal_term_changes (tenant_id, appeal_id, at);
CREATE TRIGGER appeal_term_changes_append_only BEFORE UPDATE OR DELETE ON appeal_term_changes
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

-- The deadline notices sent, once per appeal, kind and due date (as
-- deadline_notices for applications): due_soon to the official, overdue
-- to the provider's head, then late (a working day after) to the
-- dispatcher.
CREATE TABLE appeal_notices (
    tenant_id  uuid        NOT NULL,
    appeal_id  uuid        NOT NULL,
    kind       text        NOT NULL,
    due_on     date        NOT NULL,
    sent_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT appeal_notices_pkey PRIMARY KEY (tenant_id, appeal_id, kind, due_on),
    CONSTRAINT appeal_notices_appeal_fkey FOREIGN KEY (tenant_id, appeal_id) REFERENCES appeals (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT appeal_notices_kind_known CHECK (kind IN ('due_soon', 'overdue', 'late'))
);

-- The city's Open311 GeoReport v2 keys (POST requests.json): a client the
-- city trusts to file on a named person's behalf (its contact centre's
-- app), acting as account_id. Only the key's SHA-256 is kept.
CREATE TABLE open311_keys (
    tenant_id   uuid        NOT NULL,
    id          uuid        NOT NULL,
    name        text        NOT NULL,
    key_sha256  text        NOT NULL,
    account_id  uuid        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    CONSTRAINT open311_keys_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT open311_keys_key UNIQUE (tenant_id, key_sha256),
    CONSTRAINT open311_keys_account_fkey FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id)
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['appeal_categories', 'appeal_districts', 'appeal_routes', 'appeal_counters', 'appeals',
        'appeal_messages', 'appeal_files', 'appeal_term_changes', 'appeal_notices', 'open311_keys'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hromada_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE open311_keys;
DROP TABLE appeal_notices;
DROP TABLE appeal_term_changes;
DROP TABLE appeal_files;
DROP TABLE appeal_messages;
DROP TABLE appeals;
DROP TABLE appeal_counters;
DROP TABLE appeal_routes;
DROP TABLE appeal_districts;
DROP TABLE appeal_categories;
