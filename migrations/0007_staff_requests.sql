-- +goose Up
-- Every request an official (any staff role) makes: who and when (seed 003
-- §6.4). Append-only for the application, like the audit log, but not
-- chained: it is a journal of reading as much as of changing.
CREATE TABLE staff_requests (
    tenant_id   uuid        NOT NULL,
    id          uuid        NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    account_id  uuid        NOT NULL,
    roles       text[]      NOT NULL DEFAULT '{}',
    method      text        NOT NULL,
    route       text        NOT NULL,
    path        text        NOT NULL,
    status      integer     NOT NULL,
    ip          text        NOT NULL DEFAULT '',
    request_id  text        NOT NULL DEFAULT '',
    CONSTRAINT staff_requests_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT staff_requests_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX staff_requests_account_idx ON staff_requests (tenant_id, account_id, at DESC);

ALTER TABLE staff_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_requests_tenant ON staff_requests
    USING (tenant_id = app_tenant_id())
    WITH CHECK (tenant_id = app_tenant_id());
-- UPDATE and DELETE are granted so the isolation probes run, and refused
-- row by row by the trigger below.
GRANT SELECT, INSERT, UPDATE, DELETE ON staff_requests TO hromada_app;

-- +goose StatementBegin
CREATE FUNCTION staff_requests_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'staff_requests is append-only' USING ERRCODE = '42501';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER staff_requests_no_change BEFORE UPDATE OR DELETE ON staff_requests
    FOR EACH ROW EXECUTE FUNCTION staff_requests_append_only();

-- +goose Down
DROP TABLE staff_requests;
DROP FUNCTION staff_requests_append_only();
