-- +goose Up
-- The audit log and the security events (КСЗІ: registration of events and
-- their integrity), the lockout counters of failed sign-ins, and the outbox
-- of messages to deliver later. modules/audit writes all of them, always in
-- the transaction of the change they describe.

-- The audit log: one hash chain per tenant. Row n stores
-- hash = sha256(prev_hash || canonical bytes of the row) and prev_hash = the
-- hash of row n-1 (32 zero bytes for row 1); modules/audit documents the
-- canonical encoding and verifies the chain. seq is gapless per tenant:
-- appends serialize on the tenant's row in audit_heads.
CREATE TABLE audit_events (
    tenant_id    uuid        NOT NULL,
    seq          bigint      NOT NULL,
    id           uuid        NOT NULL,
    at           timestamptz NOT NULL,
    actor_id     text        NOT NULL, -- the person's account id; '' for the system
    actor_name   text        NOT NULL,
    actor_role   text        NOT NULL,
    action       text        NOT NULL, -- e.g. tenant.branding.update, access.grant
    object_type  text        NOT NULL,
    object_id    text        NOT NULL,
    result       text        NOT NULL,
    ip           text        NOT NULL, -- text, not inet: what the request said, as is
    user_agent   text        NOT NULL,
    request_id   text        NOT NULL,
    details      jsonb       NOT NULL,
    prev_hash    bytea       NOT NULL,
    hash         bytea       NOT NULL,
    CONSTRAINT audit_events_pkey PRIMARY KEY (tenant_id, seq),
    CONSTRAINT audit_events_id_key UNIQUE (tenant_id, id),
    CONSTRAINT audit_events_result_known CHECK (result IN ('ok', 'denied', 'error')),
    CONSTRAINT audit_events_seq_positive CHECK (seq > 0),
    CONSTRAINT audit_events_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX audit_events_at_idx ON audit_events (tenant_id, at);
CREATE INDEX audit_events_actor_idx ON audit_events (tenant_id, actor_id, at);

-- The head of each chain: the last seq and hash. Every append locks this row
-- (SELECT … FOR UPDATE), so appends of one tenant serialize and seq has no
-- gaps; Verify compares it with the last row, so a deleted tail shows.
CREATE TABLE audit_heads (
    tenant_id  uuid   NOT NULL,
    chain      text   NOT NULL DEFAULT 'audit',
    seq        bigint NOT NULL,
    hash       bytea  NOT NULL,
    CONSTRAINT audit_heads_pkey PRIMARY KEY (tenant_id, chain),
    CONSTRAINT audit_heads_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);

-- Security events: failed sign-ins, denied access, cross-tenant attempts,
-- policy changes, lockouts. Append-only like the audit log.
CREATE TABLE security_events (
    tenant_id   uuid        NOT NULL,
    id          uuid        NOT NULL,
    at          timestamptz NOT NULL,
    kind        text        NOT NULL, -- signin_failed, access_denied, cross_tenant, lockout, …
    subject     text        NOT NULL, -- an account id, an attempted login, a lockout key
    ip          text        NOT NULL,
    user_agent  text        NOT NULL,
    request_id  text        NOT NULL,
    details     jsonb       NOT NULL,
    CONSTRAINT security_events_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT security_events_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX security_events_kind_idx ON security_events (tenant_id, kind, at);
CREATE INDEX security_events_at_idx ON security_events (tenant_id, at);

-- Failed sign-in counters with back-off, per key: 'account:<id>' or
-- 'ip:<address>'. A row is deleted when its key signs in successfully.
CREATE TABLE lockouts (
    tenant_id        uuid        NOT NULL,
    key              text        NOT NULL,
    failures         integer     NOT NULL,
    locked_until     timestamptz,
    last_failure_at  timestamptz,
    CONSTRAINT lockouts_pkey PRIMARY KEY (tenant_id, key),
    CONSTRAINT lockouts_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);

-- Messages to deliver later (the notifications work delivers them): written
-- in the transaction of the event, so a message exists if and only if its
-- event committed.
CREATE TABLE outbox (
    tenant_id       uuid        NOT NULL,
    id              uuid        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    topic           text        NOT NULL, -- e.g. security.lockout
    recipient_role  text        NOT NULL, -- e.g. administrator
    payload         jsonb       NOT NULL,
    delivered_at    timestamptz,
    CONSTRAINT outbox_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT outbox_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX outbox_pending_idx ON outbox (tenant_id, created_at) WHERE delivered_at IS NULL;

-- Append-only: no role, the owner included, may change or remove a row of
-- the audit log or of the security events. The refusal uses the SQLSTATE of
-- a missing privilege (42501). The one exception is the cascade of a
-- tenant's own deletion (the tenant row is already gone then): a city that
-- leaves takes its log with it, after the operator has exported it.
-- Tampering needs a superuser who switches triggers off
-- (session_replication_role = replica), and Verify shows it.
-- +goose StatementBegin
CREATE FUNCTION audit_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT FROM tenants WHERE id = OLD.tenant_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd

-- The head only moves forward, one row at a time, within its own chain, and
-- is never removed (but with its tenant).
-- +goose StatementBegin
CREATE FUNCTION audit_heads_forward_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT FROM tenants WHERE id = OLD.tenant_id) THEN
            RETURN OLD;
        END IF;
    ELSIF NEW.tenant_id = OLD.tenant_id AND NEW.chain = OLD.chain AND NEW.seq = OLD.seq + 1 THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_heads: % refused (a head only moves to the next row)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER security_events_append_only BEFORE UPDATE OR DELETE ON security_events
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER security_events_no_truncate BEFORE TRUNCATE ON security_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_heads_forward_only BEFORE UPDATE OR DELETE ON audit_heads
    FOR EACH ROW EXECUTE FUNCTION audit_heads_forward_only();
CREATE TRIGGER audit_heads_no_truncate BEFORE TRUNCATE ON audit_heads
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['audit_events', 'audit_heads', 'security_events', 'lockouts', 'outbox'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t || '_tenant', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- What hromada_app needs is SELECT and INSERT on the audit log and the
-- security events, and SELECT, INSERT, UPDATE on the heads. It also gets
-- UPDATE of tenant_id and DELETE on them because tenant/isolation_test.go
-- requires that an UPDATE or DELETE of no rows succeeds on every tenant
-- table; neither can change anything: RLS pins tenant_id to the caller's
-- tenant, and the triggers above refuse every row (42501). Delivered outbox
-- messages may be pruned.
GRANT SELECT, INSERT, UPDATE (tenant_id), DELETE ON audit_events, security_events TO hromada_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON audit_heads, outbox, lockouts TO hromada_app;

-- +goose Down
DROP TABLE outbox;
DROP TABLE lockouts;
DROP TABLE security_events;
DROP TABLE audit_heads;
DROP TABLE audit_events;
DROP FUNCTION audit_heads_forward_only();
DROP FUNCTION audit_append_only();
