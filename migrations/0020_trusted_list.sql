-- +goose Up
-- The national Trusted List (ETSI TS 119 612), as last imported and verified
-- by modules/trustlist: the qualified trust service providers, their services
-- (CAs for e-signatures and e-seals, OCSP responders, TSAs) and each
-- service's status over time, so that "was this CA's qualified service
-- granted at time T?" is answered from the history.
--
-- These are platform tables, without tenant_id and outside row-level
-- security, like tenants and River's tables: the list is the same for every
-- city (the central certification authority publishes one per algorithm
-- family), so a copy per tenant would only let two cities disagree about the
-- law. hromada_app reads them (every city's signature checks) and writes them:
-- the scheduled refresh runs in the workers, which connect as hromada_app, as
-- does `hromada trust import`. A row's authority is not who wrote it but the
-- list's seal, verified against the pinned anchor before anything is written;
-- the sealed XML is kept beside the rows so it can be verified again.
-- hromada_operator gets nothing: the operator console has no use for them.

-- One row per scheme (the DSTU list and the ETSI TS 119 312 list are two
-- schemes): the list currently in force and where it came from.
CREATE TABLE trusted_lists (
    scheme          text        NOT NULL,
    territory       text        NOT NULL,
    sequence_number bigint      NOT NULL,
    issued_at       timestamptz NOT NULL,
    next_update     timestamptz,
    sha256          text        NOT NULL,
    xml             bytea       NOT NULL,
    source          text        NOT NULL,
    imported_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT trusted_lists_pkey PRIMARY KEY (scheme),
    CONSTRAINT trusted_lists_sequence_positive CHECK (sequence_number > 0)
);

-- A service of a provider on a list, numbered in the list's order.
CREATE TABLE trusted_services (
    scheme          text        NOT NULL,
    n               integer     NOT NULL,
    provider        text        NOT NULL,
    name            text        NOT NULL,
    supply_points   text[]      NOT NULL DEFAULT '{}',
    CONSTRAINT trusted_services_pkey PRIMARY KEY (scheme, n),
    CONSTRAINT trusted_services_list_fkey FOREIGN KEY (scheme) REFERENCES trusted_lists (scheme) ON DELETE CASCADE
);

-- The keys a service is known by (the certificates of its digital
-- identity, over its history), by the SHA-256 of their SubjectPublicKeyInfo.
-- A bare X509SKI is not kept: anyone can put any key identifier in a
-- certificate of their own, so it cannot say a CA is the listed one.
CREATE TABLE trusted_service_keys (
    scheme          text        NOT NULL,
    n               integer     NOT NULL,
    spki_sha256     bytea       NOT NULL,
    certificate     bytea       NOT NULL,
    CONSTRAINT trusted_service_keys_pkey PRIMARY KEY (scheme, n, spki_sha256),
    CONSTRAINT trusted_service_keys_service_fkey FOREIGN KEY (scheme, n) REFERENCES trusted_services (scheme, n) ON DELETE CASCADE,
    CONSTRAINT trusted_service_keys_hash_size CHECK (length(spki_sha256) = 32)
);
CREATE INDEX trusted_service_keys_spki_idx ON trusted_service_keys (spki_sha256);

-- A service's status from started_at until the next row's started_at: the
-- current ServiceInformation and every ServiceHistoryInstance.
CREATE TABLE trusted_service_statuses (
    scheme          text        NOT NULL,
    n               integer     NOT NULL,
    started_at      timestamptz NOT NULL,
    type            text        NOT NULL,
    status          text        NOT NULL,
    usages          text[]      NOT NULL DEFAULT '{}',
    qualifiers      text[]      NOT NULL DEFAULT '{}',
    CONSTRAINT trusted_service_statuses_pkey PRIMARY KEY (scheme, n, started_at),
    CONSTRAINT trusted_service_statuses_service_fkey FOREIGN KEY (scheme, n) REFERENCES trusted_services (scheme, n) ON DELETE CASCADE
);

GRANT SELECT, INSERT, UPDATE, DELETE ON trusted_lists, trusted_services, trusted_service_keys, trusted_service_statuses TO hromada_app;

-- +goose Down
DROP TABLE trusted_service_statuses;
DROP TABLE trusted_service_keys;
DROP TABLE trusted_services;
DROP TABLE trusted_lists;
