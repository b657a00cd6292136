-- +goose Up
-- Service centres' appointments, e-queue and ratings (modules/centres;
-- issue 19). The centres themselves are catalog's (0008); this adds what
-- a centre needs to receive people: its weekly hours, its windows
-- (workplaces) and the services each serves, how long each service takes,
-- and the visits — bookings and walk-in tickets — with their queue times.

-- btree_gist lets one exclusion constraint compare the tenant and the
-- window with = and the booked time with &&: no double booking, whatever
-- the application does. It is a trusted extension (PostgreSQL 13+), so the
-- owner role that runs migrations may create it, as 0008 creates pg_trgm.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Who runs a centre (the provider whose officials are its clerks), and the
-- secret of its hall display's link.
CREATE TABLE centre_settings (
    tenant_id    uuid NOT NULL,
    centre_id    uuid NOT NULL,
    provider_id  uuid NOT NULL,
    display_key  text NOT NULL,
    CONSTRAINT centre_settings_pkey PRIMARY KEY (tenant_id, centre_id),
    CONSTRAINT centre_settings_centre_fkey FOREIGN KEY (tenant_id, centre_id) REFERENCES centres (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT centre_settings_provider_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES providers (tenant_id, id)
);

-- The hours a centre receives people by appointment, per ISO weekday
-- (1 = Monday), with an optional break. No row: closed that day.
CREATE TABLE centre_hours (
    tenant_id   uuid     NOT NULL,
    centre_id   uuid     NOT NULL,
    weekday     smallint NOT NULL,
    opens       time     NOT NULL,
    closes      time     NOT NULL,
    break_from  time,
    break_to    time,
    CONSTRAINT centre_hours_pkey PRIMARY KEY (tenant_id, centre_id, weekday),
    CONSTRAINT centre_hours_centre_fkey FOREIGN KEY (tenant_id, centre_id) REFERENCES centres (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT centre_hours_weekday CHECK (weekday BETWEEN 1 AND 7),
    CONSTRAINT centre_hours_order CHECK (opens < closes),
    CONSTRAINT centre_hours_break CHECK ((break_from IS NULL) = (break_to IS NULL)
        AND (break_from IS NULL OR (opens <= break_from AND break_from < break_to AND break_to <= closes)))
);

-- A window (workplace) of a centre, numbered as the hall's signs show it.
CREATE TABLE centre_windows (
    tenant_id  uuid    NOT NULL,
    id         uuid    NOT NULL,
    centre_id  uuid    NOT NULL,
    number     integer NOT NULL,
    CONSTRAINT centre_windows_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT centre_windows_number_key UNIQUE (tenant_id, centre_id, number),
    CONSTRAINT centre_windows_centre_fkey FOREIGN KEY (tenant_id, centre_id) REFERENCES centres (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT centre_windows_number_positive CHECK (number > 0)
);

-- The services a window serves.
CREATE TABLE window_services (
    tenant_id   uuid NOT NULL,
    window_id   uuid NOT NULL,
    service_id  uuid NOT NULL,
    CONSTRAINT window_services_pkey PRIMARY KEY (tenant_id, window_id, service_id),
    CONSTRAINT window_services_window_fkey FOREIGN KEY (tenant_id, window_id) REFERENCES centre_windows (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT window_services_service_fkey FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id) ON DELETE CASCADE
);

-- How long an appointment for a service takes (a slot's length).
CREATE TABLE service_durations (
    tenant_id   uuid    NOT NULL,
    service_id  uuid    NOT NULL,
    minutes     integer NOT NULL,
    CONSTRAINT service_durations_pkey PRIMARY KEY (tenant_id, service_id),
    CONSTRAINT service_durations_service_fkey FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT service_durations_range CHECK (minutes BETWEEN 5 AND 240)
);

-- The day's ticket numbers of a centre, per letter (З for bookings, А for
-- walk-ins): taken under the row's lock, so no two visits share a number.
CREATE TABLE visit_counters (
    tenant_id  uuid    NOT NULL,
    centre_id  uuid    NOT NULL,
    day        date    NOT NULL,
    letter     text    NOT NULL,
    last       integer NOT NULL,
    CONSTRAINT visit_counters_pkey PRIMARY KEY (tenant_id, centre_id, day, letter),
    CONSTRAINT visit_counters_centre_fkey FOREIGN KEY (tenant_id, centre_id) REFERENCES centres (tenant_id, id) ON DELETE CASCADE
);

-- A visit: a booking of a window's slot by a resident, or a walk-in
-- ticket taken at the centre. Its queue times: arrived (waiting from),
-- called (to called_window), finished (served or no-show).
CREATE TABLE visits (
    tenant_id         uuid        NOT NULL,
    id                uuid        NOT NULL,
    kind              text        NOT NULL,
    code              text        NOT NULL,
    ticket            text        NOT NULL,
    centre_id         uuid        NOT NULL,
    service_id        uuid        NOT NULL,
    account_id        uuid,
    window_id         uuid,
    starts_at         timestamptz,
    ends_at           timestamptz,
    day               date        NOT NULL,
    status            text        NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    cancelled_at      timestamptz,
    reminded_at       timestamptz,
    arrived_at        timestamptz,
    called_at         timestamptz,
    called_window_id  uuid,
    finished_at       timestamptz,
    CONSTRAINT visits_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT visits_code_key UNIQUE (tenant_id, code),
    CONSTRAINT visits_ticket_key UNIQUE (tenant_id, centre_id, day, ticket),
    CONSTRAINT visits_centre_fkey FOREIGN KEY (tenant_id, centre_id) REFERENCES centres (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT visits_service_fkey FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id),
    CONSTRAINT visits_account_fkey FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id),
    CONSTRAINT visits_window_fkey FOREIGN KEY (tenant_id, window_id) REFERENCES centre_windows (tenant_id, id),
    CONSTRAINT visits_called_window_fkey FOREIGN KEY (tenant_id, called_window_id) REFERENCES centre_windows (tenant_id, id),
    CONSTRAINT visits_kind_known CHECK (kind IN ('booking', 'walk_in')),
    CONSTRAINT visits_status_known CHECK (status IN ('booked', 'cancelled', 'arrived', 'called', 'served', 'no_show')),
    CONSTRAINT visits_booking_slot CHECK (kind <> 'booking'
        OR (account_id IS NOT NULL AND window_id IS NOT NULL AND starts_at IS NOT NULL AND ends_at > starts_at)),
    -- The invariant of issue 19: one window, one person at a time. A
    -- cancelled booking frees its slot; every other keeps it.
    CONSTRAINT visits_no_double_booking EXCLUDE USING gist
        (tenant_id WITH =, window_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
        WHERE (kind = 'booking' AND status <> 'cancelled')
);
-- A resident's rating of a visit on Diia's four-level scale (4 чудово,
-- 3 добре, 2 прийнятно, 1 жахливо), with reasons and free text, once per
-- visit; and the provider's public answer.
CREATE TABLE visit_ratings (
    tenant_id    uuid        NOT NULL,
    visit_id     uuid        NOT NULL,
    centre_id    uuid        NOT NULL,
    service_id   uuid        NOT NULL,
    score        smallint    NOT NULL,
    reasons      text[]      NOT NULL DEFAULT '{}',
    comment      text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    answer       text        NOT NULL DEFAULT '',
    answered_at  timestamptz,
    answered_by  uuid,
    CONSTRAINT visit_ratings_pkey PRIMARY KEY (tenant_id, visit_id),
    CONSTRAINT visit_ratings_visit_fkey FOREIGN KEY (tenant_id, visit_id) REFERENCES visits (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT visit_ratings_centre_fkey FOREIGN KEY (tenant_id, centre_id) REFERENCES centres (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT visit_ratings_service_fkey FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id),
    CONSTRAINT visit_ratings_answered_by_fkey FOREIGN KEY (tenant_id, answered_by) REFERENCES accounts (tenant_id, id),
    CONSTRAINT visit_ratings_score CHECK (score BETWEEN 1 AND 4),
    CONSTRAINT visit_ratings_reasons_known CHECK (reasons <@ ARRAY['waiting', 'politeness', 'competence', 'speed', 'premises', 'information']::text[]),
    CONSTRAINT visit_ratings_comment_length CHECK (length(comment) <= 2000 AND length(answer) <= 2000)
);
CREATE INDEX visit_ratings_centre ON visit_ratings (tenant_id, centre_id, created_at);

CREATE INDEX visits_day ON visits (tenant_id, centre_id, day, status);
CREATE INDEX visits_account ON visits (tenant_id, account_id, starts_at) WHERE account_id IS NOT NULL;
CREATE INDEX visits_remind ON visits (tenant_id, starts_at) WHERE status = 'booked' AND reminded_at IS NULL;

ALTER TABLE centre_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE centre_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY centre_settings_tenant ON centre_settings
    USING (tenant_id = app_tenant_id())
    WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON centre_settings TO hromada_app;

ALTER TABLE centre_hours ENABLE ROW LEVEL SECURITY;
ALTER TABLE centre_hours FORCE ROW LEVEL SECURITY;
CREATE POLICY centre_hours_tenant ON centre_hours
    USING (tenant_id = app_tenant_id())
    WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON centre_hours TO hromada_app;

ALTER TABLE centre_windows ENABLE ROW LEVEL SECURITY;
ALTER TABLE centre_windows FORCE ROW LEVEL SECURITY;
CREATE POLICY centre_windows_tenant ON centre_windows
    USING (tenant_id = app_tenant_id())
    WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON centre_windows TO hromada_app;

ALTER TABLE window_services ENABLE ROW LEVEL SECURITY;
ALTER TABLE window_services FORCE ROW LEVEL SECURITY;
CREATE POLICY window_services_tenant ON window_services
    USING (tenant_id = app_tenant_id())
    WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON window_services TO hromada_app;

ALTER TABLE service_durations ENABLE ROW LEVEL SECURITY;
ALTER TABLE service_durations FORCE ROW LEVEL SECURITY;
CREATE POLICY service_durations_tenant ON service_durations
    USING (tenant_id = app_tenant_id())
    WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON service_durations TO hromada_app;

ALTER TABLE visit_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE visit_counters FORCE ROW LEVEL SECURITY;
CREATE POLICY visit_counters_tenant ON visit_counters
    USING (tenant_id = app_tenant_id())
    WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON visit_counters TO hromada_app;

ALTER TABLE visits ENABLE ROW LEVEL SECURITY;
ALTER TABLE visits FORCE ROW LEVEL SECURITY;
CREATE POLICY visits_tenant ON visits
    USING (tenant_id = app_tenant_id())
    WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON visits TO hromada_app;

ALTER TABLE visit_ratings ENABLE ROW LEVEL SECURITY;
ALTER TABLE visit_ratings FORCE ROW LEVEL SECURITY;
CREATE POLICY visit_ratings_tenant ON visit_ratings
    USING (tenant_id = app_tenant_id())
    WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON visit_ratings TO hromada_app;

-- +goose Down
DROP TABLE visit_ratings;
DROP TABLE visits;
DROP TABLE visit_counters;
DROP TABLE service_durations;
DROP TABLE window_services;
DROP TABLE centre_windows;
DROP TABLE centre_hours;
DROP TABLE centre_settings;
