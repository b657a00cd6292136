-- +goose Up
-- The city's dispatcher edits its portal's name, tagline, colours, contacts,
-- emblem and favicon (issue 12; seed 003 §4.4: the dispatcher organises the
-- portal), where until now only the platform's operator could.
--
-- The branding stays in the platform table tenants (the Host lookup reads
-- it with the tenant, and its trigger tells every process), which the app
-- role may only read: tenant_branding_set writes it for the tenant of the
-- transaction and no other — a SECURITY DEFINER function, so that the one
-- column of the one row is all hromada_app can change there.

-- +goose StatementBegin
CREATE FUNCTION tenant_branding_set(p_branding jsonb)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    IF app_tenant_id() IS NULL THEN
        RAISE EXCEPTION 'tenant_branding_set: no tenant in this transaction' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF jsonb_typeof(p_branding) IS DISTINCT FROM 'object' OR jsonb_typeof(p_branding->'display_name') IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'tenant_branding_set: not a branding' USING ERRCODE = 'check_violation';
    END IF;
    UPDATE tenants SET branding = p_branding, updated_at = now() WHERE id = app_tenant_id();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'tenant_branding_set: no such tenant' USING ERRCODE = 'no_data_found';
    END IF;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION tenant_branding_set(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_branding_set(jsonb) TO hromada_app;

-- The emblem and the favicon as uploaded (small: a header image and an
-- icon), served at /branding/{kind} under the page's own origin, which is
-- all the portal's Content-Security-Policy lets images come from.
CREATE TABLE branding_images (
    tenant_id     uuid        NOT NULL,
    kind          text        NOT NULL,
    content_type  text        NOT NULL,
    bytes         bytea       NOT NULL,
    sha256        text        NOT NULL,
    width         integer     NOT NULL,
    height        integer     NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    uuid        NOT NULL,
    CONSTRAINT branding_images_pkey PRIMARY KEY (tenant_id, kind),
    CONSTRAINT branding_images_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT branding_images_kind_known CHECK (kind IN ('logo', 'favicon')),
    CONSTRAINT branding_images_type_known CHECK (content_type IN ('image/png', 'image/jpeg', 'image/x-icon')),
    CONSTRAINT branding_images_size CHECK (octet_length(bytes) BETWEEN 1 AND 262144)
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['branding_images'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hromada_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE branding_images;
DROP FUNCTION tenant_branding_set(jsonb);
