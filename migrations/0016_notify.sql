-- +goose Up
-- Notifications that leave the building (modules/notify). The cabinet inbox
-- (notifications, from 0010) stays the legal record; each notice may also
-- go out by e-mail or SMS, one delivery row per (notice, channel), written
-- in the transaction of the notice with the River job that sends it.

-- What a notice is about and how soon it must go (lanes: urgent never
-- waits behind bulk; quiet hours hold back all but urgent).
ALTER TABLE notifications ADD COLUMN kind text NOT NULL DEFAULT 'status';
ALTER TABLE notifications ADD COLUMN urgency text NOT NULL DEFAULT 'normal';
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_known
    CHECK (kind IN ('status', 'result', 'clarification', 'new_work', 'security', 'code'));
ALTER TABLE notifications ADD CONSTRAINT notifications_urgency_known
    CHECK (urgency IN ('urgent', 'normal', 'bulk'));

-- A person's addresses outside the portal, one per channel. An address is
-- used only once confirmed: a one-time code sent through that channel and
-- typed back (code_hash is sha256 of it; attempts bound guessing).
CREATE TABLE notify_contacts (
    tenant_id     uuid        NOT NULL,
    account_id    uuid        NOT NULL,
    channel       text        NOT NULL,
    address       text        NOT NULL,
    confirmed_at  timestamptz,
    code_hash     bytea,
    code_expires  timestamptz,
    code_attempts integer     NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notify_contacts_pkey PRIMARY KEY (tenant_id, account_id, channel),
    CONSTRAINT notify_contacts_account_fkey FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT notify_contacts_channel_known CHECK (channel IN ('email', 'sms'))
);

-- A person's settings: the language of e-mail and SMS, and quiet hours
-- (minutes after local midnight, in the city's zone) during which only
-- urgent notices go out; quiet_from = quiet_to means none.
CREATE TABLE notify_settings (
    tenant_id   uuid     NOT NULL,
    account_id  uuid     NOT NULL,
    language    text     NOT NULL DEFAULT 'uk',
    quiet_from  smallint NOT NULL DEFAULT 0,
    quiet_to    smallint NOT NULL DEFAULT 0,
    CONSTRAINT notify_settings_pkey PRIMARY KEY (tenant_id, account_id),
    CONSTRAINT notify_settings_account_fkey FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT notify_settings_language_known CHECK (language IN ('uk', 'en')),
    CONSTRAINT notify_settings_quiet_range CHECK (quiet_from BETWEEN 0 AND 1439 AND quiet_to BETWEEN 0 AND 1439)
);

-- Which channels a person wants per kind of notice. No row: the channel is
-- on for that kind once its address is confirmed.
CREATE TABLE notify_preferences (
    tenant_id   uuid    NOT NULL,
    account_id  uuid    NOT NULL,
    kind        text    NOT NULL,
    channel     text    NOT NULL,
    enabled     boolean NOT NULL,
    CONSTRAINT notify_preferences_pkey PRIMARY KEY (tenant_id, account_id, kind, channel),
    CONSTRAINT notify_preferences_account_fkey FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT notify_preferences_channel_known CHECK (channel IN ('email', 'sms'))
);

-- One delivery per (notice, channel): the unique key is the idempotency
-- key, so a notice goes out at most once per channel whatever the retries.
-- status moves created → sending → delivered | temporary | permanent, and
-- temporary → sending again; the sender takes the row under FOR UPDATE.
-- address is the address at the time of the notice (a later change of
-- address does not redirect a notice already sent).
CREATE TABLE notify_deliveries (
    tenant_id        uuid        NOT NULL,
    id               uuid        NOT NULL,
    notification_id  uuid        NOT NULL,
    channel          text        NOT NULL,
    address          text        NOT NULL,
    status           text        NOT NULL DEFAULT 'created',
    attempts         integer     NOT NULL DEFAULT 0,
    segments         integer     NOT NULL DEFAULT 0,
    provider_ref     text        NOT NULL DEFAULT '',
    last_error       text        NOT NULL DEFAULT '',
    secret_args      jsonb       NOT NULL DEFAULT '{}', -- a one-time code: for the channel only, never the inbox; emptied once sent
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    CONSTRAINT notify_deliveries_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT notify_deliveries_once UNIQUE (tenant_id, notification_id, channel),
    CONSTRAINT notify_deliveries_notification_fkey FOREIGN KEY (tenant_id, notification_id) REFERENCES notifications (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT notify_deliveries_channel_known CHECK (channel IN ('email', 'sms')),
    CONSTRAINT notify_deliveries_status_known CHECK (status IN ('created', 'sending', 'delivered', 'temporary', 'permanent'))
);
CREATE INDEX notify_deliveries_recent_idx ON notify_deliveries (tenant_id, created_at DESC);

-- A city's sender identity: the From of its e-mail, its DKIM key (sealed
-- with HROMADA_SECRET_KEY, made on first use; the administrator publishes
-- the public half in DNS) and its SMS sender name (alpha name registered
-- with the gateway). One row per DKIM selector, so a key can be rotated
-- while the old record is still published; the newest row is in use.
CREATE TABLE notify_senders (
    tenant_id      uuid        NOT NULL,
    from_name      text        NOT NULL,
    from_address   text        NOT NULL,
    dkim_selector  text        NOT NULL,
    dkim_key       bytea       NOT NULL,
    sms_sender     text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notify_senders_pkey PRIMARY KEY (tenant_id, dkim_selector),
    CONSTRAINT notify_senders_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['notify_contacts', 'notify_settings', 'notify_preferences', 'notify_deliveries', 'notify_senders'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hromada_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE notify_senders;
DROP TABLE notify_deliveries;
DROP TABLE notify_preferences;
DROP TABLE notify_settings;
DROP TABLE notify_contacts;
ALTER TABLE notifications DROP CONSTRAINT notifications_urgency_known;
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_known;
ALTER TABLE notifications DROP COLUMN urgency;
ALTER TABLE notifications DROP COLUMN kind;
