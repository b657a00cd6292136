-- +goose Up
-- Push notices (modules/notify): to the city app through FCM HTTP v1 and
-- to the portal in a browser through Web Push. A person's devices are
-- registered by the city-app API (FCM registration tokens) and by the
-- portal's notification settings (Web Push subscriptions).

-- A device that takes push notices for a person. token is the FCM
-- registration token, or the Web Push subscription's endpoint (with its
-- p256dh and auth keys in keys). A token belongs to one person of a city
-- at a time: a phone that changes hands is registered again by its new
-- owner, and the row moves. disabled_at is set when the push service says
-- the token is gone (FCM's UNREGISTERED, Web Push's 404/410): nothing is
-- sent to it again until it is registered anew.
CREATE TABLE notify_devices (
    tenant_id        uuid        NOT NULL,
    id               uuid        NOT NULL,
    account_id       uuid        NOT NULL,
    platform         text        NOT NULL,
    token            text        NOT NULL,
    keys             jsonb       NOT NULL DEFAULT '{}',
    app_version      text        NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    disabled_at      timestamptz,
    disabled_reason  text        NOT NULL DEFAULT '',
    CONSTRAINT notify_devices_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT notify_devices_token_once UNIQUE (tenant_id, platform, token),
    CONSTRAINT notify_devices_account_fkey FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT notify_devices_platform_known CHECK (platform IN ('fcm', 'webpush'))
);
CREATE INDEX notify_devices_account_idx ON notify_devices (tenant_id, account_id);

ALTER TABLE notify_devices ENABLE ROW LEVEL SECURITY;
ALTER TABLE notify_devices FORCE ROW LEVEL SECURITY;
CREATE POLICY notify_devices_tenant ON notify_devices USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON notify_devices TO hromada_app;

-- A city's VAPID key pair (RFC 8292): the portal signs its Web Push
-- requests with it, and browsers subscribe with its public half, so a
-- subscription is the city's and nobody else can push to it. The private
-- key is sealed with HROMADA_SECRET_KEY like the DKIM key; made on first
-- use.
CREATE TABLE notify_vapid_keys (
    tenant_id    uuid        NOT NULL,
    public_key   bytea       NOT NULL,
    private_key  bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notify_vapid_keys_pkey PRIMARY KEY (tenant_id, public_key),
    -- One per city: a subscription names the key it was made for, and a
    -- second key would leave the browsers on the first unreachable.
    CONSTRAINT notify_vapid_keys_one UNIQUE (tenant_id),
    CONSTRAINT notify_vapid_keys_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
ALTER TABLE notify_vapid_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE notify_vapid_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY notify_vapid_keys_tenant ON notify_vapid_keys USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON notify_vapid_keys TO hromada_app;

-- 'push' joins the channels of deliveries and preferences (0016's
-- constraints, re-created under their names).
ALTER TABLE notify_deliveries DROP CONSTRAINT notify_deliveries_channel_known;
ALTER TABLE notify_deliveries ADD CONSTRAINT notify_deliveries_channel_known CHECK (channel IN ('email', 'sms', 'push'));
ALTER TABLE notify_preferences DROP CONSTRAINT notify_preferences_channel_known;
ALTER TABLE notify_preferences ADD CONSTRAINT notify_preferences_channel_known CHECK (channel IN ('email', 'sms', 'push'));

-- A person may have several devices, each a delivery of its own with its
-- own outcome (one phone unregistered, the other delivered): the
-- idempotency key becomes (notice, channel, address), the address of a
-- push delivery being the device's id. E-mail and SMS have one address
-- per person and channel (notify_contacts' key), so for them nothing
-- changes.
ALTER TABLE notify_deliveries DROP CONSTRAINT notify_deliveries_once;
ALTER TABLE notify_deliveries ADD CONSTRAINT notify_deliveries_once UNIQUE (tenant_id, notification_id, channel, address);

-- City news (kind 'news'): the dispatcher's announcements to the residents
-- who opted in, sent through the bulk lane.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_known;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_known
    CHECK (kind IN ('status', 'result', 'clarification', 'new_work', 'security', 'code', 'news'));

-- A bulk send by the dispatcher. id is the key of the preview the send was
-- confirmed from, so a double submit inserts nothing the second time.
-- cursor is the last recipient (account id) whose notice is posted: the
-- fan-out posts in batches, each batch with the cursor in one
-- transaction, so a crash resumes after the last committed batch and no
-- one gets the announcement twice.
CREATE TABLE notify_bulk_sends (
    tenant_id   uuid        NOT NULL,
    id          uuid        NOT NULL,
    author_id   uuid        NOT NULL,
    text_uk     text        NOT NULL,
    text_en     text        NOT NULL DEFAULT '',
    recipients  integer     NOT NULL DEFAULT 0,
    posted      integer     NOT NULL DEFAULT 0,
    cursor_id   uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    done_at     timestamptz,
    CONSTRAINT notify_bulk_sends_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT notify_bulk_sends_author_fkey FOREIGN KEY (tenant_id, author_id) REFERENCES accounts (tenant_id, id),
    CONSTRAINT notify_bulk_sends_text_length CHECK (length(text_uk) BETWEEN 1 AND 1000 AND length(text_en) <= 1000)
);
ALTER TABLE notify_bulk_sends ENABLE ROW LEVEL SECURITY;
ALTER TABLE notify_bulk_sends FORCE ROW LEVEL SECURITY;
CREATE POLICY notify_bulk_sends_tenant ON notify_bulk_sends USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON notify_bulk_sends TO hromada_app;

-- The opted-in residents, found by the preference rows of kind 'news'.
CREATE INDEX notify_preferences_news_idx ON notify_preferences (tenant_id, account_id) WHERE kind = 'news' AND enabled;

-- +goose Down
DROP TABLE notify_bulk_sends;
DELETE FROM notifications WHERE kind = 'news';
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_known;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_known
    CHECK (kind IN ('status', 'result', 'clarification', 'new_work', 'security', 'code'));
DROP INDEX notify_preferences_news_idx;
ALTER TABLE notify_deliveries DROP CONSTRAINT notify_deliveries_once;
ALTER TABLE notify_deliveries ADD CONSTRAINT notify_deliveries_once UNIQUE (tenant_id, notification_id, channel);
DELETE FROM notify_preferences WHERE channel = 'push';
DELETE FROM notify_deliveries WHERE channel = 'push';
ALTER TABLE notify_preferences DROP CONSTRAINT notify_preferences_channel_known;
ALTER TABLE notify_preferences ADD CONSTRAINT notify_preferences_channel_known CHECK (channel IN ('email', 'sms'));
ALTER TABLE notify_deliveries DROP CONSTRAINT notify_deliveries_channel_known;
ALTER TABLE notify_deliveries ADD CONSTRAINT notify_deliveries_channel_known CHECK (channel IN ('email', 'sms'));
DROP TABLE notify_vapid_keys;
DROP TABLE notify_devices;
