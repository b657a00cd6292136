-- +goose Up
-- Days that are not working days in the city (public holidays and days
-- off), for "the next working day" deadlines (seed 003 §7.5). Kept per
-- city: under martial law the national holidays are working days, and a
-- council may decide otherwise.
CREATE TABLE public_holidays (
    tenant_id  uuid NOT NULL,
    day        date NOT NULL,
    name       text NOT NULL DEFAULT '',
    CONSTRAINT public_holidays_pkey PRIMARY KEY (tenant_id, day),
    CONSTRAINT public_holidays_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
ALTER TABLE public_holidays ENABLE ROW LEVEL SECURITY;
ALTER TABLE public_holidays FORCE ROW LEVEL SECURITY;
CREATE POLICY public_holidays_tenant ON public_holidays
    USING (tenant_id = app_tenant_id())
    WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON public_holidays TO hromada_app;

-- +goose Down
DROP TABLE public_holidays;
