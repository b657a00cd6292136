-- +goose Up
-- Deadlines (seed 003 §3.1.9, §5): an application's term is locked like
-- its signed content, and escalates.
--
-- What decides whether a case is overdue — due_on, received_at, and the
-- pause of a clarification request (paused_at, paused_days) — changes only
-- through application_term_change below, which writes the change to the
-- append-only application_term_changes in the same statement: an
-- extension, a pause or a resume is never silent, and the app role cannot
-- move due_on to hide "overdue" (0010's lock left due_on open).
--
-- Why a SECURITY DEFINER function rather than a session setting the
-- trigger checks: any role may set_config any setting, so a setting is a
-- convention, not a barrier, for the very role it must stop. Inside the
-- function current_user is its owner while session_user stays the caller,
-- so the trigger tells "through the function" from "a direct UPDATE" with
-- no secret; and the function is the one place that writes the term's
-- history, which hromada_app cannot insert into itself.

ALTER TABLE applications
    ADD COLUMN paused_at   timestamptz,
    ADD COLUMN paused_days integer,
    ADD CONSTRAINT applications_pause_complete CHECK ((paused_at IS NULL) = (paused_days IS NULL) AND coalesce(paused_days, 0) >= 0);

-- Every change of a submitted application's term: kind 'pause' (a
-- clarification request stopped it with paused_days left), 'resume' (the
-- answer started it again; new_due is the end), 'extend' (an official
-- extended it, with the reason). Only added, by application_term_change.
CREATE TABLE application_term_changes (
    tenant_id       uuid        NOT NULL,
    id              uuid        NOT NULL,
    application_id  uuid        NOT NULL,
    kind            text        NOT NULL,
    old_due         date,
    new_due         date,
    paused_days     integer,
    reason          text        NOT NULL DEFAULT '',
    actor_id        uuid,
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT application_term_changes_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT application_term_changes_application_fkey FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT application_term_changes_kind_known CHECK (kind IN ('pause', 'resume', 'extend'))
);
CREATE INDEX application_term_changes_application_idx ON application_term_changes (tenant_id, application_id, at);
CREATE TRIGGER application_term_changes_append_only BEFORE UPDATE OR DELETE ON application_term_changes
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

-- The deadline notices sent, one per application, kind and due date: the
-- periodic job inserts before it notifies (ON CONFLICT DO NOTHING), so each
-- is sent once however often it runs; an extension (a new due date) may
-- warn again.
CREATE TABLE deadline_notices (
    tenant_id       uuid        NOT NULL,
    application_id  uuid        NOT NULL,
    kind            text        NOT NULL,
    due_on          date        NOT NULL,
    sent_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT deadline_notices_pkey PRIMARY KEY (tenant_id, application_id, kind, due_on),
    CONSTRAINT deadline_notices_application_fkey FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT deadline_notices_kind_known CHECK (kind IN ('due_soon', 'overdue'))
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['application_term_changes', 'deadline_notices'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t || '_tenant', t);
    END LOOP;
END
$$;
-- +goose StatementEnd
-- hromada_app reads the term's history but never writes it (UPDATE of
-- tenant_id and DELETE only so that the isolation tests can try them; the
-- append-only trigger refuses both).
GRANT SELECT, UPDATE (tenant_id), DELETE ON application_term_changes TO hromada_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON deadline_notices TO hromada_app;

-- +goose StatementBegin
-- 0010's lock, and the term: a submitted application's due_on, paused_at
-- and paused_days change only inside application_term_change (where
-- current_user, its owner, is not session_user).
CREATE OR REPLACE FUNCTION applications_lock() RETURNS trigger
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
    IF OLD.status <> 'draft' AND current_user = session_user AND (NEW.due_on IS DISTINCT FROM OLD.due_on
        OR NEW.paused_at IS DISTINCT FROM OLD.paused_at OR NEW.paused_days IS DISTINCT FROM OLD.paused_days) THEN
        RAISE EXCEPTION 'application %: its term changes only by an extension or a pause (application_term_change)', OLD.id
            USING ERRCODE = 'insufficient_privilege';
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

-- +goose StatementBegin
-- application_term_change changes the term of an open application of the
-- tenant in the transaction, and records it:
--   'pause'  stops it with p_paused_days left (due_on stays as it was);
--   'resume' starts it again: due_on becomes p_due;
--   'extend' moves due_on later, to p_due, for p_reason (not empty).
-- The caller (modules/applications) computes the dates on the city's
-- calendar and records the audit event in the same transaction.
CREATE FUNCTION application_term_change(p_application uuid, p_kind text, p_due date, p_paused_days integer, p_reason text, p_actor uuid)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    a applications%ROWTYPE;
BEGIN
    SELECT * INTO a FROM applications WHERE tenant_id = app_tenant_id() AND id = p_application FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'application %: not found', p_application USING ERRCODE = 'no_data_found';
    END IF;
    IF a.status IN ('draft', 'approved', 'refused', 'issued', 'withdrawn') OR a.due_on IS NULL THEN
        RAISE EXCEPTION 'application %: no open term to change (%)', p_application, a.status USING ERRCODE = 'check_violation';
    END IF;
    CASE p_kind
    WHEN 'pause' THEN
        IF a.paused_at IS NOT NULL OR p_paused_days IS NULL OR p_paused_days < 0 THEN
            RAISE EXCEPTION 'application %: cannot pause', p_application USING ERRCODE = 'check_violation';
        END IF;
        UPDATE applications SET paused_at = clock_timestamp(), paused_days = p_paused_days
            WHERE tenant_id = a.tenant_id AND id = a.id;
    WHEN 'resume' THEN
        IF a.paused_at IS NULL OR p_due IS NULL THEN
            RAISE EXCEPTION 'application %: not paused', p_application USING ERRCODE = 'check_violation';
        END IF;
        UPDATE applications SET paused_at = NULL, paused_days = NULL, due_on = p_due
            WHERE tenant_id = a.tenant_id AND id = a.id;
    WHEN 'extend' THEN
        IF p_due IS NULL OR p_due <= a.due_on OR btrim(coalesce(p_reason, '')) = '' THEN
            RAISE EXCEPTION 'application %: an extension moves the term later, with a reason', p_application USING ERRCODE = 'check_violation';
        END IF;
        UPDATE applications SET due_on = p_due WHERE tenant_id = a.tenant_id AND id = a.id;
    ELSE
        RAISE EXCEPTION 'unknown term change %', p_kind USING ERRCODE = 'check_violation';
    END CASE;
    INSERT INTO application_term_changes (tenant_id, id, application_id, kind, old_due, new_due, paused_days, reason, actor_id)
        VALUES (a.tenant_id, gen_random_uuid(), a.id, p_kind, a.due_on, coalesce(p_due, a.due_on), p_paused_days, coalesce(p_reason, ''), p_actor);
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION application_term_change(uuid, text, date, integer, text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION application_term_change(uuid, text, date, integer, text, uuid) TO hromada_app;

-- +goose Down
DROP FUNCTION application_term_change(uuid, text, date, integer, text, uuid);
DROP TABLE deadline_notices;
DROP TABLE application_term_changes;
ALTER TABLE applications DROP CONSTRAINT applications_pause_complete, DROP COLUMN paused_days, DROP COLUMN paused_at;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION applications_lock() RETURNS trigger
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
