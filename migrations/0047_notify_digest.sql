-- +goose Up

-- Officials' new work as a daily digest (issue 16): a person who chooses
-- it gets new-work notices in the cabinet inbox at once (the record) and
-- by e-mail, SMS and push once a day, as one summary.
ALTER TABLE notify_settings ADD COLUMN digest boolean NOT NULL DEFAULT false;

-- One digest per person and Kyiv day: the day is taken when the digest
-- is made, so a second run makes none; notification_id is the summary
-- notice, NULL when there was nothing new.
CREATE TABLE notify_digests (
    tenant_id        uuid        NOT NULL,
    account_id       uuid        NOT NULL,
    day              date        NOT NULL,
    notification_id  uuid,
    made_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notify_digests_pkey PRIMARY KEY (tenant_id, account_id, day),
    CONSTRAINT notify_digests_account_fkey FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE notify_digests ENABLE ROW LEVEL SECURITY;
ALTER TABLE notify_digests FORCE ROW LEVEL SECURITY;
CREATE POLICY notify_digests_tenant ON notify_digests
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON notify_digests TO hromada_app;

-- +goose Down
DROP TABLE notify_digests;
ALTER TABLE notify_settings DROP COLUMN digest;
