-- +goose Up
-- Providers' seal keys made for a qualified certificate (issue 15): the key
-- pair is made in a key store — a PKCS#11 token (HSM) in production, or
-- sealed in this row in development — with a PKCS#10 request for the
-- qualified trust service provider (`hromada seal request`); the issued
-- certificate is installed as the provider's seal (`hromada seal install`),
-- which then points at the key here instead of holding one itself.
CREATE TABLE seal_keys (
    tenant_id    uuid        NOT NULL,
    id           uuid        NOT NULL,
    provider_id  uuid        NOT NULL,
    -- the key store that holds the private key: 'database', or
    -- 'pkcs11:<token label>'; label names the key in it (CKA_LABEL)
    store        text        NOT NULL,
    label        text        NOT NULL,
    -- the private key sealed with HROMADA_SECRET_KEY, for the 'database'
    -- store only: an HSM's key never leaves the token
    key_sealed   bytea,
    public_key   bytea       NOT NULL, -- SubjectPublicKeyInfo, DER
    csr          bytea       NOT NULL, -- the PKCS#10 request, DER
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT seal_keys_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT seal_keys_provider_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES providers (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT seal_keys_sealed_only_in_database CHECK ((store = 'database') = (key_sealed IS NOT NULL))
);
CREATE UNIQUE INDEX seal_keys_label ON seal_keys (tenant_id, store, label);
CREATE INDEX seal_keys_provider_idx ON seal_keys (tenant_id, provider_id, created_at DESC);

-- +goose StatementBegin
-- A key is made once and never changes; it goes only with its provider.
CREATE FUNCTION seal_keys_lock() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT FROM providers WHERE tenant_id = OLD.tenant_id AND id = OLD.provider_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'seal key %: % refused', OLD.id, lower(TG_OP) USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER seal_keys_lock BEFORE UPDATE OR DELETE ON seal_keys
    FOR EACH ROW EXECUTE FUNCTION seal_keys_lock();

ALTER TABLE seal_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE seal_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY seal_keys_tenant ON seal_keys
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
-- UPDATE is granted as on every tenant table; the trigger refuses it.
GRANT SELECT, INSERT, UPDATE, DELETE ON seal_keys TO hromada_app;

-- A seal holds its key sealed (key_sealed, as issued by the development CA)
-- or points at a key in seal_keys (key_id), never both; a key is installed
-- in one seal only.
ALTER TABLE provider_seals ALTER COLUMN key_sealed DROP NOT NULL;
ALTER TABLE provider_seals ADD COLUMN key_id uuid;
ALTER TABLE provider_seals ADD CONSTRAINT provider_seals_key_fkey
    FOREIGN KEY (tenant_id, key_id) REFERENCES seal_keys (tenant_id, id);
ALTER TABLE provider_seals ADD CONSTRAINT provider_seals_one_key
    CHECK ((key_sealed IS NULL) <> (key_id IS NULL));
CREATE UNIQUE INDEX provider_seals_key ON provider_seals (tenant_id, key_id) WHERE key_id IS NOT NULL;

-- +goose StatementBegin
-- As in 0012, with key_id as unchangeable as the rest.
CREATE OR REPLACE FUNCTION provider_seals_lock() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT FROM providers WHERE tenant_id = OLD.tenant_id AND id = OLD.provider_id) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'provider seal %: delete refused', OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.provider_id IS DISTINCT FROM OLD.provider_id
        OR NEW.certificate IS DISTINCT FROM OLD.certificate OR NEW.chain IS DISTINCT FROM OLD.chain
        OR NEW.key_sealed IS DISTINCT FROM OLD.key_sealed OR NEW.key_id IS DISTINCT FROM OLD.key_id
        OR NEW.created_at IS DISTINCT FROM OLD.created_at
        OR (OLD.status = 'retired' AND (NEW.status IS DISTINCT FROM OLD.status OR NEW.retired_at IS DISTINCT FROM OLD.retired_at)) THEN
        RAISE EXCEPTION 'provider seal %: only retiring an active seal is allowed', OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd

-- The revocation status of a signature's certificate as its CA answered
-- at submission (the resident's) or issue (the official's decision): the
-- OCSP response or CRL that decided, byte for byte as the CA signed it, so
-- the signature can be shown valid after the responder is gone (what
-- CAdES-X-Long / PAdES-LT embed). Asked before the write transaction and
-- stored in it; never changed. The applications table and its lock
-- trigger are untouched: the evidence is a row of its own.
CREATE TABLE signature_evidence (
    tenant_id      uuid        NOT NULL,
    id             uuid        NOT NULL,
    application_id uuid        NOT NULL,
    signed         text        NOT NULL, -- 'application' or 'decision'
    certificate    bytea       NOT NULL, -- the signer's, DER
    issuer         bytea       NOT NULL, -- its issuer's, DER
    checked_at     timestamptz NOT NULL, -- the signing time the status is for
    source         text        NOT NULL, -- 'ocsp' or 'crl'
    url            text        NOT NULL,
    response       bytea       NOT NULL,
    this_update    timestamptz NOT NULL,
    next_update    timestamptz,
    fetched_at     timestamptz NOT NULL,
    revoked_at     timestamptz,          -- revoked after signing: the signature stands
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT signature_evidence_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT signature_evidence_application_fkey FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT signature_evidence_signed_known CHECK (signed IN ('application', 'decision')),
    CONSTRAINT signature_evidence_source_known CHECK (source IN ('ocsp', 'crl'))
);
CREATE INDEX signature_evidence_application_idx ON signature_evidence (tenant_id, application_id);

-- +goose StatementBegin
CREATE FUNCTION signature_evidence_lock() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT FROM applications WHERE tenant_id = OLD.tenant_id AND id = OLD.application_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'signature evidence %: % refused', OLD.id, lower(TG_OP) USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER signature_evidence_lock BEFORE UPDATE OR DELETE ON signature_evidence
    FOR EACH ROW EXECUTE FUNCTION signature_evidence_lock();

ALTER TABLE signature_evidence ENABLE ROW LEVEL SECURITY;
ALTER TABLE signature_evidence FORCE ROW LEVEL SECURITY;
CREATE POLICY signature_evidence_tenant ON signature_evidence
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON signature_evidence TO hromada_app;

-- +goose Down
DROP TABLE signature_evidence;
DROP FUNCTION signature_evidence_lock();
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION provider_seals_lock() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT FROM providers WHERE tenant_id = OLD.tenant_id AND id = OLD.provider_id) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'provider seal %: delete refused', OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.provider_id IS DISTINCT FROM OLD.provider_id
        OR NEW.certificate IS DISTINCT FROM OLD.certificate OR NEW.chain IS DISTINCT FROM OLD.chain
        OR NEW.key_sealed IS DISTINCT FROM OLD.key_sealed OR NEW.created_at IS DISTINCT FROM OLD.created_at
        OR (OLD.status = 'retired' AND (NEW.status IS DISTINCT FROM OLD.status OR NEW.retired_at IS DISTINCT FROM OLD.retired_at)) THEN
        RAISE EXCEPTION 'provider seal %: only retiring an active seal is allowed', OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
DELETE FROM provider_seals WHERE key_id IS NOT NULL;
DROP INDEX provider_seals_key;
ALTER TABLE provider_seals DROP CONSTRAINT provider_seals_one_key;
ALTER TABLE provider_seals DROP CONSTRAINT provider_seals_key_fkey;
ALTER TABLE provider_seals DROP COLUMN key_id;
ALTER TABLE provider_seals ALTER COLUMN key_sealed SET NOT NULL;
DROP TABLE seal_keys;
DROP FUNCTION seal_keys_lock();
