-- +goose Up
-- People, their sessions, the city's identity providers, and the city's
-- providers of services (departments, district administrations, municipal
-- enterprises: only what access needs here; the catalog adds the rest).

-- A person is one account per tenant, keyed by РНОКПП.
CREATE TABLE accounts (
    tenant_id      uuid        NOT NULL,
    id             uuid        NOT NULL,
    rnokpp         text        NOT NULL,
    family_name    text        NOT NULL DEFAULT '',
    given_name     text        NOT NULL DEFAULT '',
    middle_name    text        NOT NULL DEFAULT '',
    full_name      text        NOT NULL,
    email          text        NOT NULL DEFAULT '',
    phone          text        NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    last_login_at  timestamptz,
    CONSTRAINT accounts_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT accounts_rnokpp_key UNIQUE (tenant_id, rnokpp),
    CONSTRAINT accounts_rnokpp_format CHECK (rnokpp ~ '^[0-9]{10}$'),
    CONSTRAINT accounts_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);

-- Server-side sessions (alexedwards/scs through a store that goes through
-- tenant.Tx): a token found under tenant A's RLS does not exist for B.
CREATE TABLE sessions (
    tenant_id  uuid        NOT NULL,
    token      text        NOT NULL,
    data       bytea       NOT NULL,
    expiry     timestamptz NOT NULL,
    CONSTRAINT sessions_pkey PRIMARY KEY (tenant_id, token),
    CONSTRAINT sessions_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX sessions_expiry_idx ON sessions (tenant_id, expiry);

-- How a city's residents and officials sign in: OIDC issuers, id.gov.ua,
-- or (dev only) the development identity provider.
CREATE TABLE identity_providers (
    tenant_id          uuid        NOT NULL,
    id                 uuid        NOT NULL,
    kind               text        NOT NULL,
    name               text        NOT NULL,
    issuer             text        NOT NULL DEFAULT '',
    auth_url           text        NOT NULL DEFAULT '',
    token_url          text        NOT NULL DEFAULT '',
    userinfo_url       text        NOT NULL DEFAULT '',
    client_id          text        NOT NULL,
    client_secret_enc  bytea,
    scopes             text[]      NOT NULL DEFAULT '{}',
    claim_map          jsonb       NOT NULL DEFAULT '{}',
    enabled            boolean     NOT NULL DEFAULT true,
    position           integer     NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT identity_providers_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT identity_providers_kind_known CHECK (kind IN ('oidc', 'idgovua', 'dev')),
    CONSTRAINT identity_providers_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);

-- The city's providers of services. Officials and provider heads act for
-- exactly one of them.
CREATE TABLE providers (
    tenant_id   uuid        NOT NULL,
    id          uuid        NOT NULL,
    code        text        NOT NULL,
    name_uk     text        NOT NULL,
    name_en     text        NOT NULL DEFAULT '',
    edrpou      text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT providers_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT providers_code_key UNIQUE (tenant_id, code),
    CONSTRAINT providers_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['accounts', 'sessions', 'identity_providers', 'providers'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hromada_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE providers;
DROP TABLE identity_providers;
DROP TABLE sessions;
DROP TABLE accounts;
