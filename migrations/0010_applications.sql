-- +goose Up
-- Electronic applications (seed 003 §5, seed 000 items 5.4–5.6): the
-- services' versioned forms, applications from draft to result, their
-- history, files, the residents' notifications inbox, and the trust list
-- that residents' signatures are checked against.

-- A service's electronic form, versioned: a new version is proposed by the
-- provider's staff and published by whoever publishes the service's
-- information; an application keeps the version it was filled in.
CREATE TABLE service_forms (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    service_id    uuid        NOT NULL,
    version       integer     NOT NULL,
    definition    jsonb       NOT NULL,
    status        text        NOT NULL DEFAULT 'pending',
    submitted_by  uuid,
    submitted_at  timestamptz NOT NULL DEFAULT now(),
    decided_by    uuid,
    decided_at    timestamptz,
    comment       text        NOT NULL DEFAULT '',
    CONSTRAINT service_forms_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT service_forms_version_key UNIQUE (tenant_id, service_id, version),
    CONSTRAINT service_forms_service_fkey FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT service_forms_status_known CHECK (status IN ('pending', 'published', 'returned', 'superseded'))
);
CREATE UNIQUE INDEX service_forms_one_published ON service_forms (tenant_id, service_id) WHERE status = 'published';

-- The per-city running number of applications, per year: "2026-000123".
CREATE TABLE application_counters (
    tenant_id  uuid    NOT NULL,
    year       integer NOT NULL,
    last       integer NOT NULL DEFAULT 0,
    CONSTRAINT application_counters_pkey PRIMARY KEY (tenant_id, year),
    CONSTRAINT application_counters_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);

-- An application. While a draft, its data change with every step; once
-- signed, the trigger below refuses any change to what was signed (seed 003
-- §5.4), whoever asks. sent_at is when cancelling became impossible (the
-- signed submission was accepted), received_at when Hromada recorded it
-- (seed 003 §5.10).
CREATE TABLE applications (
    tenant_id        uuid        NOT NULL,
    id               uuid        NOT NULL,
    number           text,
    service_id       uuid        NOT NULL,
    provider_id      uuid        NOT NULL,
    form_id          uuid        NOT NULL,
    applicant_id     uuid        NOT NULL,
    edrpou           text        NOT NULL DEFAULT '',
    org_name         text        NOT NULL DEFAULT '',
    status           text        NOT NULL DEFAULT 'draft',
    step             integer     NOT NULL DEFAULT 0,
    data             jsonb       NOT NULL DEFAULT '{}',
    canonical        bytea,
    signature        bytea,
    signer_rnokpp    text,
    signer_name      text,
    signed_at        timestamptz,
    sent_at          timestamptz,
    received_at      timestamptz,
    due_on           date,
    idempotency_key  text,
    assignee_id      uuid,
    decision         text,
    grounds          text        NOT NULL DEFAULT '',
    decided_by       uuid,
    decided_position text        NOT NULL DEFAULT '',
    decided_name     text        NOT NULL DEFAULT '',
    decided_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT applications_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT applications_number_key UNIQUE (tenant_id, number),
    CONSTRAINT applications_idempotency_key UNIQUE (tenant_id, applicant_id, idempotency_key),
    CONSTRAINT applications_service_fkey FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id),
    CONSTRAINT applications_provider_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES providers (tenant_id, id),
    CONSTRAINT applications_form_fkey FOREIGN KEY (tenant_id, form_id) REFERENCES service_forms (tenant_id, id),
    CONSTRAINT applications_applicant_fkey FOREIGN KEY (tenant_id, applicant_id) REFERENCES accounts (tenant_id, id),
    CONSTRAINT applications_status_known CHECK (status IN ('draft', 'signed', 'received', 'in_review', 'clarification',
        'resubmitted', 'approved', 'refused', 'issued', 'withdrawn')),
    CONSTRAINT applications_decision_known CHECK (decision IS NULL OR decision IN ('approved', 'refused')),
    CONSTRAINT applications_signed_complete CHECK (status = 'draft' OR (canonical IS NOT NULL AND signature IS NOT NULL
        AND signer_rnokpp IS NOT NULL AND signed_at IS NOT NULL AND number IS NOT NULL))
);
CREATE INDEX applications_applicant_idx ON applications (tenant_id, applicant_id, created_at DESC);
CREATE INDEX applications_edrpou_idx ON applications (tenant_id, edrpou, created_at DESC) WHERE edrpou <> '';
CREATE INDEX applications_queue_idx ON applications (tenant_id, provider_id, status, due_on);

-- The history of an application: one row per transition, only added.
CREATE TABLE application_events (
    tenant_id       uuid        NOT NULL,
    id              uuid        NOT NULL,
    application_id  uuid        NOT NULL,
    from_status     text        NOT NULL DEFAULT '',
    to_status       text        NOT NULL,
    actor_id        uuid,
    actor_kind      text        NOT NULL DEFAULT 'system',
    actor_name      text        NOT NULL DEFAULT '',
    comment         text        NOT NULL DEFAULT '',
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT application_events_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT application_events_application_fkey FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX application_events_application_idx ON application_events (tenant_id, application_id, at);

-- Files of an application: the applicant's attachments (locked with the
-- application once signed), the applicant's answers' attachments, and the
-- result with its signature. The bytes are in the document store under key;
-- sha256 is checked on every read.
CREATE TABLE application_files (
    tenant_id       uuid        NOT NULL,
    id              uuid        NOT NULL,
    application_id  uuid        NOT NULL,
    kind            text        NOT NULL,
    name            text        NOT NULL,
    content_type    text        NOT NULL,
    size            bigint      NOT NULL,
    sha256          text        NOT NULL,
    object_key      text        NOT NULL,
    added_by        uuid,
    added_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT application_files_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT application_files_application_fkey FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT application_files_kind_known CHECK (kind IN ('attachment', 'answer', 'result', 'result_signature', 'decision', 'decision_signature'))
);
CREATE INDEX application_files_application_idx ON application_files (tenant_id, application_id);

-- A person's notifications inbox in the cabinet (seed 003 §4.6).
CREATE TABLE notifications (
    tenant_id       uuid        NOT NULL,
    id              uuid        NOT NULL,
    account_id      uuid        NOT NULL,
    application_id  uuid,
    key             text        NOT NULL,
    args            jsonb       NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    read_at         timestamptz,
    CONSTRAINT notifications_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT notifications_account_fkey FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT notifications_application_fkey FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX notifications_account_idx ON notifications (tenant_id, account_id, created_at DESC);

-- The city's trusted list of certification authorities for residents' and
-- officials' signatures. dev_key is set only for the development CA of the
-- embedded default (its key, sealed with HROMADA_SECRET_KEY).
CREATE TABLE trust_anchors (
    tenant_id    uuid        NOT NULL,
    id           uuid        NOT NULL,
    name         text        NOT NULL,
    certificate  bytea       NOT NULL,
    dev_key      bytea,
    added_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT trust_anchors_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT trust_anchors_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);

-- The officials' position, recorded with their decisions (seed 003 §5.8).
ALTER TABLE access_grants ADD COLUMN position text NOT NULL DEFAULT '';

-- +goose StatementBegin
-- A signed application's signed content never changes, and a signed
-- application is never deleted (but with its tenant).
CREATE FUNCTION applications_lock() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'draft' OR NOT EXISTS (SELECT FROM tenants WHERE id = OLD.tenant_id) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'application % is signed: delete refused', OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.status <> 'draft' AND (
        NEW.data IS DISTINCT FROM OLD.data OR NEW.canonical IS DISTINCT FROM OLD.canonical
        OR NEW.signature IS DISTINCT FROM OLD.signature OR NEW.signer_rnokpp IS DISTINCT FROM OLD.signer_rnokpp
        OR NEW.signer_name IS DISTINCT FROM OLD.signer_name OR NEW.signed_at IS DISTINCT FROM OLD.signed_at
        OR NEW.sent_at IS DISTINCT FROM OLD.sent_at OR NEW.number IS DISTINCT FROM OLD.number
        OR NEW.service_id IS DISTINCT FROM OLD.service_id OR NEW.form_id IS DISTINCT FROM OLD.form_id
        OR NEW.provider_id IS DISTINCT FROM OLD.provider_id OR NEW.applicant_id IS DISTINCT FROM OLD.applicant_id
        OR NEW.edrpou IS DISTINCT FROM OLD.edrpou OR NEW.org_name IS DISTINCT FROM OLD.org_name
        OR NEW.idempotency_key IS DISTINCT FROM OLD.idempotency_key
        OR (OLD.received_at IS NOT NULL AND NEW.received_at IS DISTINCT FROM OLD.received_at)
        OR NEW.status = 'draft') THEN
        RAISE EXCEPTION 'application % is signed: its content is locked', OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.decision IS NOT NULL AND (NEW.decision IS DISTINCT FROM OLD.decision OR NEW.grounds IS DISTINCT FROM OLD.grounds
        OR NEW.decided_by IS DISTINCT FROM OLD.decided_by OR NEW.decided_at IS DISTINCT FROM OLD.decided_at) THEN
        RAISE EXCEPTION 'application % is decided: the decision is locked', OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER applications_lock BEFORE UPDATE OR DELETE ON applications
    FOR EACH ROW EXECUTE FUNCTION applications_lock();

-- +goose StatementBegin
-- Files of a signed application are never replaced or removed, and no
-- attachment is added to it (the signature covers the attachments); a
-- draft's attachments may be added and removed by their applicant.
CREATE FUNCTION application_files_lock() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.kind <> 'attachment' OR EXISTS (SELECT FROM applications
            WHERE tenant_id = NEW.tenant_id AND id = NEW.application_id AND status = 'draft') THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'attachment to a signed application refused' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' AND (NOT EXISTS (SELECT FROM tenants WHERE id = OLD.tenant_id)
        OR EXISTS (SELECT FROM applications WHERE tenant_id = OLD.tenant_id AND id = OLD.application_id AND status = 'draft')
        OR NOT EXISTS (SELECT FROM applications WHERE tenant_id = OLD.tenant_id AND id = OLD.application_id)) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% of a signed application: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER application_files_lock BEFORE INSERT OR UPDATE OR DELETE ON application_files
    FOR EACH ROW EXECUTE FUNCTION application_files_lock();
CREATE TRIGGER application_events_append_only BEFORE UPDATE OR DELETE ON application_events
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['service_forms', 'application_counters', 'applications', 'application_events',
        'application_files', 'notifications', 'trust_anchors'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hromada_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
ALTER TABLE access_grants DROP COLUMN position;
DROP TABLE trust_anchors;
DROP TABLE notifications;
DROP TABLE application_files;
DROP FUNCTION application_files_lock();
DROP TABLE application_events;
DROP TABLE applications;
DROP FUNCTION applications_lock();
DROP TABLE application_counters;
DROP TABLE service_forms;
