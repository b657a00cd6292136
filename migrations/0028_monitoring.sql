-- +goose Up
-- Monitoring and quality of services (modules/monitoring, issue 21; seed
-- 003 §3.1.11–3.1.12, §7.3(3); CMU 864 (2021)). The indicators are
-- defined once, in modules/monitoring/rollup.go and docs/monitoring.md;
-- these tables hold their per-city, per-day rollups, filled incrementally
-- by a periodic job from the other modules' tables, so that neither a
-- dashboard nor the open statistics scan the applications on every view.
-- No row here names a person.

-- Views of a service's card, per day (the city's local date). The catalog
-- counts them in memory and a flush adds them here; updated_at tells the
-- rollup which days changed.
CREATE TABLE service_card_views (
    tenant_id   uuid        NOT NULL,
    service_id  uuid        NOT NULL,
    day         date        NOT NULL,
    views       bigint      NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT service_card_views_pkey PRIMARY KEY (tenant_id, service_id, day),
    CONSTRAINT service_card_views_service_fkey FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT service_card_views_positive CHECK (views >= 0)
);
CREATE INDEX service_card_views_updated_idx ON service_card_views (tenant_id, updated_at);

-- A service's day, as its provider (the application's) delivered it.
-- processing_days holds one value per decision of the day (calendar days
-- from receipt to decision), so that a period's median is exact.
CREATE TABLE monitoring_service_days (
    tenant_id         uuid      NOT NULL,
    day               date      NOT NULL,
    service_id        uuid      NOT NULL,
    provider_id       uuid      NOT NULL,
    card_views        bigint    NOT NULL DEFAULT 0,
    started           integer   NOT NULL DEFAULT 0,
    submitted         integer   NOT NULL DEFAULT 0,
    decided_automatic integer   NOT NULL DEFAULT 0,
    decided_officials integer   NOT NULL DEFAULT 0,
    approved          integer   NOT NULL DEFAULT 0,
    refused           integer   NOT NULL DEFAULT 0,
    issued            integer   NOT NULL DEFAULT 0,
    decided_on_time   integer   NOT NULL DEFAULT 0,
    decided_late      integer   NOT NULL DEFAULT 0,
    processing_days   integer[] NOT NULL DEFAULT '{}',
    overdue_open      integer   NOT NULL DEFAULT 0,
    payments          integer   NOT NULL DEFAULT 0,
    paid_kopecks      bigint    NOT NULL DEFAULT 0,
    CONSTRAINT monitoring_service_days_pkey PRIMARY KEY (tenant_id, day, service_id, provider_id),
    CONSTRAINT monitoring_service_days_service_fkey FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT monitoring_service_days_provider_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES providers (tenant_id, id) ON DELETE CASCADE
);

-- Refusals of a day by their grounds (the text the decision recorded).
CREATE TABLE monitoring_refusal_days (
    tenant_id    uuid    NOT NULL,
    day          date    NOT NULL,
    service_id   uuid    NOT NULL,
    provider_id  uuid    NOT NULL,
    ground       text    NOT NULL,
    refusals     integer NOT NULL,
    CONSTRAINT monitoring_refusal_days_pkey PRIMARY KEY (tenant_id, day, service_id, provider_id, ground),
    CONSTRAINT monitoring_refusal_days_service_fkey FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT monitoring_refusal_days_provider_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES providers (tenant_id, id) ON DELETE CASCADE
);

-- A centre's day per service: the four-level ratings given that day, the
-- appointments of that day and how long each was waited for (minutes from
-- booking to the booked time), and the visits served.
CREATE TABLE monitoring_centre_days (
    tenant_id     uuid      NOT NULL,
    day           date      NOT NULL,
    centre_id     uuid      NOT NULL,
    service_id    uuid      NOT NULL,
    rated_1       integer   NOT NULL DEFAULT 0,
    rated_2       integer   NOT NULL DEFAULT 0,
    rated_3       integer   NOT NULL DEFAULT 0,
    rated_4       integer   NOT NULL DEFAULT 0,
    bookings      integer   NOT NULL DEFAULT 0,
    booking_wait  integer[] NOT NULL DEFAULT '{}',
    served        integer   NOT NULL DEFAULT 0,
    CONSTRAINT monitoring_centre_days_pkey PRIMARY KEY (tenant_id, day, centre_id, service_id),
    CONSTRAINT monitoring_centre_days_centre_fkey FOREIGN KEY (tenant_id, centre_id) REFERENCES centres (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT monitoring_centre_days_service_fkey FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id) ON DELETE CASCADE
);

-- Appeals' day per provider they were routed to; provider_key is the
-- provider, or the nil uuid for appeals not routed yet, so that the key
-- has no NULL.
CREATE TABLE monitoring_appeal_days (
    tenant_id      uuid    NOT NULL,
    day            date    NOT NULL,
    provider_id    uuid,
    provider_key   uuid    NOT NULL GENERATED ALWAYS AS (coalesce(provider_id, '00000000-0000-0000-0000-000000000000'::uuid)) STORED,
    received       integer NOT NULL DEFAULT 0,
    answered       integer NOT NULL DEFAULT 0,
    answered_late  integer NOT NULL DEFAULT 0,
    overdue_open   integer NOT NULL DEFAULT 0,
    CONSTRAINT monitoring_appeal_days_pkey PRIMARY KEY (tenant_id, day, provider_key),
    CONSTRAINT monitoring_appeal_days_provider_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES providers (tenant_id, id) ON DELETE CASCADE
);

-- Where a city's periodic work stopped, per kind ('rollup': rows changed
-- after watermark make their days dirty on the next run).
CREATE TABLE monitoring_rollup_state (
    tenant_id   uuid        NOT NULL,
    kind        text        NOT NULL,
    watermark   timestamptz NOT NULL,
    ran_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT monitoring_rollup_state_pkey PRIMARY KEY (tenant_id, kind),
    CONSTRAINT monitoring_rollup_state_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT monitoring_rollup_state_kind_known CHECK (kind IN ('rollup', 'national'))
);

-- The national exchange's outbox (seed 004): a provider's day as one
-- message, signed with its seal, kept as sent. id is the message id,
-- derived from (city, provider, day, schema), so building a day again
-- finds the row instead of making a second message; the receiver counts
-- by it too. receipt is what the national system answered.
CREATE TABLE national_messages (
    tenant_id    uuid        NOT NULL,
    id           uuid        NOT NULL,
    provider_id  uuid        NOT NULL,
    day          date        NOT NULL,
    schema       text        NOT NULL,
    body         bytea       NOT NULL,
    signature    bytea       NOT NULL,
    status       text        NOT NULL DEFAULT 'pending',
    attempts     integer     NOT NULL DEFAULT 0,
    last_error   text        NOT NULL DEFAULT '',
    receipt      text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz,
    CONSTRAINT national_messages_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT national_messages_day_key UNIQUE (tenant_id, provider_id, day, schema),
    CONSTRAINT national_messages_provider_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES providers (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT national_messages_status_known CHECK (status IN ('pending', 'sent'))
);
CREATE INDEX national_messages_status_idx ON national_messages (tenant_id, status, day);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['service_card_views', 'monitoring_service_days', 'monitoring_refusal_days',
        'monitoring_centre_days', 'monitoring_appeal_days', 'monitoring_rollup_state', 'national_messages'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hromada_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- The operator console's window onto a city's national exchange: counts,
-- the last sending and the last error, never a message's content. Like
-- tenant_has_administrator (0015), it enters the tenant for the call only.
-- +goose StatementBegin
CREATE FUNCTION national_exchange_state(p_tenant uuid)
    RETURNS TABLE (sent bigint, pending bigint, failing bigint, last_sent timestamptz, last_error text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    prev text := coalesce(current_setting('app.tenant_id', true), '');
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    RETURN QUERY SELECT
        count(*) FILTER (WHERE m.status = 'sent'),
        count(*) FILTER (WHERE m.status = 'pending'),
        count(*) FILTER (WHERE m.status = 'pending' AND m.attempts > 0),
        max(m.sent_at),
        coalesce((SELECT f.last_error FROM national_messages f WHERE f.tenant_id = p_tenant AND f.status = 'pending'
            AND f.last_error <> '' ORDER BY f.day DESC, f.id LIMIT 1), '')
    FROM national_messages m WHERE m.tenant_id = p_tenant;
    PERFORM set_config('app.tenant_id', prev, true);
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION national_exchange_state(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION national_exchange_state(uuid) TO hromada_operator;

-- +goose Down
DROP FUNCTION national_exchange_state(uuid);
DROP TABLE national_messages;
DROP TABLE monitoring_rollup_state;
DROP TABLE monitoring_appeal_days;
DROP TABLE monitoring_centre_days;
DROP TABLE monitoring_refusal_days;
DROP TABLE monitoring_service_days;
DROP TABLE service_card_views;
