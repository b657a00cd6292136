-- +goose Up
-- Result documents (seed 003 §5.7–5.13): the providers' electronic seals
-- that results are sealed with (modules/documents).

-- A provider's electronic seal: its certificate, the chain up to the root,
-- and its private key (PKCS #8) sealed with HROMADA_SECRET_KEY and bound to
-- its tenant, provider and row. In production the key stays in an HSM and
-- key_sealed holds nothing secret (docs/documents.md). At most one seal of
-- a provider is active; a rotated seal is retired, never deleted while its
-- provider exists, so the record of what signed old documents remains.
CREATE TABLE provider_seals (
    tenant_id    uuid        NOT NULL,
    id           uuid        NOT NULL,
    provider_id  uuid        NOT NULL,
    certificate  bytea       NOT NULL,
    chain        bytea       NOT NULL,
    key_sealed   bytea       NOT NULL,
    status       text        NOT NULL DEFAULT 'active',
    created_at   timestamptz NOT NULL DEFAULT now(),
    retired_at   timestamptz,
    CONSTRAINT provider_seals_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT provider_seals_provider_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES providers (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT provider_seals_status_known CHECK (status IN ('active', 'retired')),
    CONSTRAINT provider_seals_retired_dated CHECK (status = 'active' OR retired_at IS NOT NULL)
);
CREATE UNIQUE INDEX provider_seals_one_active ON provider_seals (tenant_id, provider_id) WHERE status = 'active';
CREATE INDEX provider_seals_provider_idx ON provider_seals (tenant_id, provider_id, created_at DESC);

-- +goose StatementBegin
-- A seal's certificate and key never change; its only move is from active
-- to retired, once. It is deleted only with its provider (or tenant).
CREATE FUNCTION provider_seals_lock() RETURNS trigger
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
CREATE TRIGGER provider_seals_lock BEFORE UPDATE OR DELETE ON provider_seals
    FOR EACH ROW EXECUTE FUNCTION provider_seals_lock();

ALTER TABLE provider_seals ENABLE ROW LEVEL SECURITY;
ALTER TABLE provider_seals FORCE ROW LEVEL SECURITY;
CREATE POLICY provider_seals_tenant ON provider_seals
    USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON provider_seals TO hromada_app;

-- +goose Down
DROP TABLE provider_seals;
DROP FUNCTION provider_seals_lock();
