-- +goose Up

-- Every attempt to deliver a national monitoring message (issue 21): when
-- it was made and what the receiver said ('' = accepted), so the operator
-- sees what failed and when, not only the last error. n is the message's
-- attempt number (national_messages.attempts after the attempt).
CREATE TABLE national_attempts (
    tenant_id   uuid        NOT NULL,
    message_id  uuid        NOT NULL,
    n           integer     NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    error       text        NOT NULL DEFAULT '',
    CONSTRAINT national_attempts_pkey PRIMARY KEY (tenant_id, message_id, n),
    CONSTRAINT national_attempts_message_fkey FOREIGN KEY (tenant_id, message_id)
        REFERENCES national_messages (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT national_attempts_n_positive CHECK (n > 0)
);

ALTER TABLE national_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE national_attempts FORCE ROW LEVEL SECURITY;
CREATE POLICY national_attempts_tenant ON national_attempts
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON national_attempts TO hromada_app;

-- The operator console's list of a city's national messages, newest day
-- first: which provider and day, whether and when it was sent, the
-- receipt's id, and every attempt — never the message's content (the
-- body and signature stay behind the city's RLS). A window like
-- national_exchange_state (0028).
-- +goose StatementBegin
CREATE FUNCTION national_exchange_messages(p_tenant uuid, p_limit integer)
    RETURNS TABLE (id uuid, provider_code text, day date, schema text, status text, attempts integer,
        created_at timestamptz, sent_at timestamptz, receipt_id text, last_error text, tries jsonb)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    prev text := coalesce(current_setting('app.tenant_id', true), '');
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    RETURN QUERY SELECT m.id, p.code, m.day, m.schema, m.status, m.attempts, m.created_at, m.sent_at,
        coalesce(CASE WHEN m.receipt <> '' THEN m.receipt::jsonb->>'receipt_id' END, ''), m.last_error,
        coalesce((SELECT jsonb_agg(jsonb_build_object('n', a.n, 'at', a.at, 'error', a.error) ORDER BY a.n)
            FROM national_attempts a WHERE a.tenant_id = p_tenant AND a.message_id = m.id), '[]'::jsonb)
    FROM national_messages m JOIN providers p ON p.tenant_id = m.tenant_id AND p.id = m.provider_id
    WHERE m.tenant_id = p_tenant
    ORDER BY m.day DESC, p.code, m.id
    LIMIT greatest(1, least(p_limit, 1000));
    PERFORM set_config('app.tenant_id', prev, true);
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION national_exchange_messages(uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION national_exchange_messages(uuid, integer) TO hromada_operator;

-- +goose Down
DROP FUNCTION national_exchange_messages(uuid, integer);
DROP TABLE national_attempts;
