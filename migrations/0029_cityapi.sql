-- +goose Up
-- The city app's sign-in (issue 22): OAuth 2.0 authorization codes with
-- PKCE, the devices (grants) a resident signed the app in on, and their
-- tokens, all hashed at rest: modules/cityapi. A city's rows are its own,
-- so a token of one city is unknown on another's host.

-- A grant is one sign-in of the app on a device: the family of the tokens
-- issued from one authorization code. «Мої пристрої» lists them; revoking
-- one (or a refresh token used twice) ends every token of the family.
CREATE TABLE api_grants (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    account_id    uuid        NOT NULL,
    client_id     text        NOT NULL,
    device        text        NOT NULL, -- the app's User-Agent at the exchange, for the person to recognise it
    scopes        text[]      NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    revoked_why   text,
    CONSTRAINT api_grants_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT api_grants_account_fkey FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT api_grants_revoked_why_known CHECK (revoked_why IN ('person', 'app', 'reuse'))
);
CREATE INDEX api_grants_account_idx ON api_grants (tenant_id, account_id, created_at DESC);

-- An authorization code lives a minute and is exchanged once; a second
-- exchange revokes the grant the first made (RFC 6749 §4.1.2).
CREATE TABLE api_codes (
    tenant_id      uuid        NOT NULL,
    code_hash      bytea       NOT NULL, -- SHA-256 of the code
    account_id     uuid        NOT NULL,
    client_id      text        NOT NULL,
    redirect_uri   text        NOT NULL,
    challenge      text        NOT NULL, -- PKCE S256 code_challenge
    scopes         text[]      NOT NULL,
    expires_at     timestamptz NOT NULL,
    grant_id       uuid,      -- set by the exchange
    CONSTRAINT api_codes_pkey PRIMARY KEY (tenant_id, code_hash),
    CONSTRAINT api_codes_account_fkey FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT api_codes_grant_fkey FOREIGN KEY (tenant_id, grant_id) REFERENCES api_grants (tenant_id, id) ON DELETE CASCADE
);

-- Access tokens (minutes) and refresh tokens (weeks), as SHA-256 hashes. A
-- refresh token is used once: rotation marks it used, and its second use
-- is a theft's sign that revokes the grant.
CREATE TABLE api_tokens (
    tenant_id   uuid        NOT NULL,
    token_hash  bytea       NOT NULL,
    grant_id    uuid        NOT NULL,
    kind        text        NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT api_tokens_pkey PRIMARY KEY (tenant_id, token_hash),
    CONSTRAINT api_tokens_grant_fkey FOREIGN KEY (tenant_id, grant_id) REFERENCES api_grants (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT api_tokens_kind_known CHECK (kind IN ('access', 'refresh'))
);
CREATE INDEX api_tokens_grant_idx ON api_tokens (tenant_id, grant_id);

-- The answers to the app's POSTs by Idempotency-Key, per grant: a retried
-- request (the phone lost the answer) gets the first answer again and
-- changes nothing twice. status 0 while the first is still being served.
CREATE TABLE api_idempotency (
    tenant_id     uuid        NOT NULL,
    grant_id      uuid        NOT NULL,
    key           text        NOT NULL,
    request_hash  bytea       NOT NULL, -- method, path and body: the same key with another request is refused
    status        int         NOT NULL DEFAULT 0,
    content_type  text        NOT NULL DEFAULT '',
    body          bytea       NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT api_idempotency_pkey PRIMARY KEY (tenant_id, grant_id, key),
    CONSTRAINT api_idempotency_grant_fkey FOREIGN KEY (tenant_id, grant_id) REFERENCES api_grants (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT api_idempotency_key_size CHECK (length(key) BETWEEN 1 AND 255)
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['api_grants', 'api_codes', 'api_tokens', 'api_idempotency'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hromada_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE api_idempotency;
DROP TABLE api_tokens;
DROP TABLE api_codes;
DROP TABLE api_grants;
