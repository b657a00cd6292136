-- +goose Up

-- Bulk sends to a segment (issue 16). A resident may say which of the
-- city's districts they live in («Мій район» on the notices' settings):
-- the residents' profile holds no address to derive it from. It is one of
-- the city's districts (appeal_districts, as the appeals' filing form and
-- routing name them); NULL: not said. No foreign key: a district the city
-- removes leaves the code unmatched, so the person is in no district's
-- segment until they choose again.
ALTER TABLE notify_settings ADD COLUMN district text;

-- The segment a bulk send went to: the whole city ('city', ref ''), a
-- district (ref = its code) or the applicants of a service (ref = the
-- service's id); segment_name is how the preview named it when it was
-- sent, so the list of sends still says it after a rename.
ALTER TABLE notify_bulk_sends ADD COLUMN segment text NOT NULL DEFAULT 'city';
ALTER TABLE notify_bulk_sends ADD COLUMN segment_ref text NOT NULL DEFAULT '';
ALTER TABLE notify_bulk_sends ADD COLUMN segment_name text NOT NULL DEFAULT '';
ALTER TABLE notify_bulk_sends ADD CONSTRAINT notify_bulk_sends_segment_known CHECK (segment IN ('city', 'district', 'service'));

-- A city's own limit of messages per minute through a channel. No row:
-- the platform's default (Options.RateLimit).
CREATE TABLE notify_rate_limits (
    tenant_id   uuid        NOT NULL,
    channel     text        NOT NULL,
    per_minute  integer     NOT NULL,
    updated_by  uuid        NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notify_rate_limits_pkey PRIMARY KEY (tenant_id, channel),
    CONSTRAINT notify_rate_limits_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT notify_rate_limits_channel_known CHECK (channel IN ('email', 'sms', 'push')),
    CONSTRAINT notify_rate_limits_positive CHECK (per_minute > 0)
);
ALTER TABLE notify_rate_limits ENABLE ROW LEVEL SECURITY;
ALTER TABLE notify_rate_limits FORCE ROW LEVEL SECURITY;
CREATE POLICY notify_rate_limits_tenant ON notify_rate_limits
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON notify_rate_limits TO hromada_app;

-- +goose Down
DROP TABLE notify_rate_limits;
ALTER TABLE notify_bulk_sends DROP CONSTRAINT notify_bulk_sends_segment_known;
ALTER TABLE notify_bulk_sends DROP COLUMN segment_name;
ALTER TABLE notify_bulk_sends DROP COLUMN segment_ref;
ALTER TABLE notify_bulk_sends DROP COLUMN segment;
ALTER TABLE notify_settings DROP COLUMN district;
