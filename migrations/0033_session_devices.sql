-- +goose Up
-- A person lists and ends their own browser sessions (ASVS 3.3.4): each
-- signed-in session keeps whose it is, the browser and address it was
-- signed in from, and when it was last used. The token stays the secret:
-- pages name a session by id, never by token. A session is its account's:
-- the account gone, its sessions go too.
ALTER TABLE sessions
    ADD COLUMN id           uuid        NOT NULL DEFAULT gen_random_uuid(),
    ADD COLUMN account_id   uuid,
    ADD COLUMN user_agent   text        NOT NULL DEFAULT '',
    ADD COLUMN ip           text        NOT NULL DEFAULT '',
    ADD COLUMN signed_in_at timestamptz,
    ADD COLUMN last_seen_at timestamptz NOT NULL DEFAULT now(),
    ADD CONSTRAINT sessions_id_key UNIQUE (tenant_id, id),
    ADD CONSTRAINT sessions_account_fkey FOREIGN KEY (tenant_id, account_id)
        REFERENCES accounts (tenant_id, id) ON DELETE CASCADE;
CREATE INDEX sessions_account_idx ON sessions (tenant_id, account_id) WHERE account_id IS NOT NULL;

-- +goose Down
DROP INDEX sessions_account_idx;
ALTER TABLE sessions
    DROP CONSTRAINT sessions_account_fkey,
    DROP CONSTRAINT sessions_id_key,
    DROP COLUMN last_seen_at,
    DROP COLUMN signed_in_at,
    DROP COLUMN ip,
    DROP COLUMN user_agent,
    DROP COLUMN account_id,
    DROP COLUMN id;
