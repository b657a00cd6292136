-- +goose Up
-- Participation (issue 20, modules/participation): e-petitions to the city
-- council and polls on the city's initiatives, online and in person.
--
-- One person signs a petition once and votes in a poll once: the key of a
-- signature and of a ballot is the person's РНОКПП (accounts keep it as
-- it is, so the same form here), under the tenant and the petition or
-- poll. A paper ballot recorded by a poll officer and an online one share
-- that key, so whichever comes first refuses the other.

-- A city's rules for petitions (the Law "On citizens' appeals", art. 23-1,
-- leaves the period and the threshold to the council's statute). A city
-- without a row uses modules/participation's defaults: Kyiv's, 6,000
-- signatures in 60 days, considered within 10 working days. city_katottg
-- is the city's own code in the codifier: polls are held in it or in one of
-- its districts (the codifier's units whose parent it is). One row a city
-- (singleton: the key has a column after tenant_id, as every tenant key).
CREATE TABLE participation_settings (
    tenant_id           uuid    NOT NULL,
    singleton           boolean NOT NULL DEFAULT true,
    petition_days       integer NOT NULL,
    petition_threshold  integer NOT NULL,
    consideration_days  integer NOT NULL,
    rules               text    NOT NULL DEFAULT '',
    city_katottg        text    NOT NULL DEFAULT '',
    CONSTRAINT participation_settings_pkey PRIMARY KEY (tenant_id, singleton),
    CONSTRAINT participation_settings_one_row CHECK (singleton),
    CONSTRAINT participation_settings_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT participation_settings_positive CHECK (petition_days > 0 AND petition_threshold > 0 AND consideration_days > 0),
    CONSTRAINT participation_settings_katottg_shape CHECK (city_katottg = '' OR city_katottg ~ '^UA[0-9]{17}$')
);

-- A petition: drafted by a resident (status moderation), published or
-- refused by the dispatcher, collecting signatures until closes_at; the
-- signature that reaches the threshold sets reached_at and consider_by;
-- the council's answer ends it. signatures is the count kept in the
-- signing transaction, so that a page view reads one row, not COUNT(*).
CREATE TABLE petitions (
    tenant_id       uuid        NOT NULL,
    id              uuid        NOT NULL,
    author_id       uuid        NOT NULL,
    author_name     text        NOT NULL,
    title           text        NOT NULL,
    body            text        NOT NULL,
    status          text        NOT NULL DEFAULT 'moderation',
    refusal_reason  text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    moderated_at    timestamptz,
    moderated_by    uuid,
    published_at    timestamptz,
    closes_at       timestamptz,
    threshold       integer     NOT NULL DEFAULT 0,
    signatures      integer     NOT NULL DEFAULT 0,
    reached_at      timestamptz,
    consider_by     date,
    answer          text        NOT NULL DEFAULT '',
    answered_at     timestamptz,
    answered_by     uuid,
    CONSTRAINT petitions_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT petitions_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT petitions_author_fkey FOREIGN KEY (tenant_id, author_id) REFERENCES accounts (tenant_id, id),
    CONSTRAINT petitions_status_known CHECK (status IN ('moderation', 'refused', 'collecting', 'answered')),
    CONSTRAINT petitions_signatures_nonnegative CHECK (signatures >= 0)
);
CREATE INDEX petitions_status_idx ON petitions (tenant_id, status, published_at DESC);

-- A signature: one per person (РНОКПП) and petition. The name is kept as
-- signed, for the published list of signers (names only, as the law asks).
CREATE TABLE petition_signatures (
    tenant_id    uuid        NOT NULL,
    petition_id  uuid        NOT NULL,
    rnokpp       text        NOT NULL,
    account_id   uuid        NOT NULL,
    full_name    text        NOT NULL,
    signed_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT petition_signatures_pkey PRIMARY KEY (tenant_id, petition_id, rnokpp),
    CONSTRAINT petition_signatures_petition_fkey FOREIGN KEY (tenant_id, petition_id) REFERENCES petitions (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT petition_signatures_account_fkey FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id),
    CONSTRAINT petition_signatures_rnokpp_format CHECK (rnokpp ~ '^[0-9]{10}$')
);
CREATE INDEX petition_signatures_order_idx ON petition_signatures (tenant_id, petition_id, signed_at);

-- A poll on a city's initiative: draft → published → closed. Who may vote
-- is area (the КАТОТТГ code of the city or of one of its districts) and
-- min_age, checked against the residents' register at each vote. A poll
-- of a provider (provider_id) is run by that provider's head; one without
-- by the dispatcher.
CREATE TABLE polls (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    provider_id   uuid,
    title         text        NOT NULL,
    question      text        NOT NULL,
    multiple      boolean     NOT NULL DEFAULT false,
    free_answer   boolean     NOT NULL DEFAULT false,
    area          text        NOT NULL,
    min_age       integer     NOT NULL DEFAULT 18,
    changeable    boolean     NOT NULL DEFAULT false,
    live_results  boolean     NOT NULL DEFAULT false,
    status        text        NOT NULL DEFAULT 'draft',
    closes_at     timestamptz NOT NULL,
    created_by    uuid        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz,
    closed_at     timestamptz,
    CONSTRAINT polls_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT polls_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT polls_provider_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES providers (tenant_id, id),
    CONSTRAINT polls_status_known CHECK (status IN ('draft', 'published', 'closed')),
    CONSTRAINT polls_area_shape CHECK (area ~ '^UA[0-9]{17}$'),
    CONSTRAINT polls_min_age_range CHECK (min_age BETWEEN 0 AND 120)
);

CREATE TABLE poll_options (
    tenant_id  uuid    NOT NULL,
    poll_id    uuid    NOT NULL,
    position   integer NOT NULL,
    label      text    NOT NULL,
    CONSTRAINT poll_options_pkey PRIMARY KEY (tenant_id, poll_id, position),
    CONSTRAINT poll_options_poll_fkey FOREIGN KEY (tenant_id, poll_id) REFERENCES polls (tenant_id, id) ON DELETE CASCADE
);

-- A ballot: one per person (РНОКПП) and poll, online or on paper (the
-- poll officer who recorded it). katottg is the voter's place of residence
-- as the register answered, for participation by district.
CREATE TABLE poll_ballots (
    tenant_id    uuid        NOT NULL,
    poll_id      uuid        NOT NULL,
    rnokpp       text        NOT NULL,
    channel      text        NOT NULL,
    account_id   uuid,
    officer_id   uuid,
    katottg      text        NOT NULL,
    free_answer  text        NOT NULL DEFAULT '',
    cast_at      timestamptz NOT NULL DEFAULT now(),
    changed_at   timestamptz,
    CONSTRAINT poll_ballots_pkey PRIMARY KEY (tenant_id, poll_id, rnokpp),
    CONSTRAINT poll_ballots_poll_fkey FOREIGN KEY (tenant_id, poll_id) REFERENCES polls (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT poll_ballots_channel_known CHECK (channel IN ('online', 'paper')),
    CONSTRAINT poll_ballots_rnokpp_format CHECK (rnokpp ~ '^[0-9]{10}$')
);

CREATE TABLE poll_choices (
    tenant_id  uuid    NOT NULL,
    poll_id    uuid    NOT NULL,
    rnokpp     text    NOT NULL,
    position   integer NOT NULL,
    CONSTRAINT poll_choices_pkey PRIMARY KEY (tenant_id, poll_id, rnokpp, position),
    CONSTRAINT poll_choices_ballot_fkey FOREIGN KEY (tenant_id, poll_id, rnokpp) REFERENCES poll_ballots (tenant_id, poll_id, rnokpp) ON DELETE CASCADE,
    CONSTRAINT poll_choices_option_fkey FOREIGN KEY (tenant_id, poll_id, position) REFERENCES poll_options (tenant_id, poll_id, position)
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['participation_settings', 'petitions', 'petition_signatures', 'polls', 'poll_options', 'poll_ballots', 'poll_choices'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hromada_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE poll_choices;
DROP TABLE poll_ballots;
DROP TABLE poll_options;
DROP TABLE polls;
DROP TABLE petition_signatures;
DROP TABLE petitions;
DROP TABLE participation_settings;
