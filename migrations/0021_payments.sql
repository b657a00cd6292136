-- +goose Up
-- Fees for services (modules/payments, issue 17). A paid service's fee
-- becomes one invoice per application; a gateway (LiqPay, monobank) pays
-- it; every callback the gateway sends is logged, accepted or refused,
-- before and whatever it changes. Amounts are kopecks (bigint), never
-- floats; the currency is the hryvnia.

-- A city's acquiring: its keys per gateway, and which one it uses (active,
-- at most one). The private key (LiqPay) or token (monobank) is sealed
-- (identity.Sealer, AES-GCM bound to the city), as the identity
-- providers' client secrets are.
CREATE TABLE payment_settings (
    tenant_id    uuid        NOT NULL,
    gateway      text        NOT NULL,
    active       boolean     NOT NULL DEFAULT true,
    public_key   text        NOT NULL DEFAULT '',
    secret_enc   bytea       NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payment_settings_pkey PRIMARY KEY (tenant_id, gateway),
    CONSTRAINT payment_settings_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT payment_settings_gateway_known CHECK (gateway IN ('liqpay', 'monobank'))
);
CREATE UNIQUE INDEX payment_settings_one_active ON payment_settings (tenant_id) WHERE active;

-- One invoice per application (the unique key: a second invoice, so a
-- second payment reference, cannot exist), its requisites copied from the
-- register at the time it was made. paid_by is the payment that settled
-- it; a later successful payment is flagged for refund instead.
CREATE TABLE invoices (
    tenant_id       uuid        NOT NULL,
    id              uuid        NOT NULL,
    application_id  uuid        NOT NULL,
    account_id      uuid        NOT NULL,
    provider_id     uuid        NOT NULL,
    number          text        NOT NULL,
    service         text        NOT NULL,
    amount_kopecks  bigint      NOT NULL,
    currency        text        NOT NULL DEFAULT 'UAH',
    recipient       text        NOT NULL,
    edrpou          text        NOT NULL,
    iban            text        NOT NULL,
    purpose         text        NOT NULL,
    payer           text        NOT NULL,
    payer_tax_id    text        NOT NULL,
    status          text        NOT NULL DEFAULT 'open',
    paid_by         uuid,
    paid_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT invoices_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT invoices_application_key UNIQUE (tenant_id, application_id),
    CONSTRAINT invoices_application_fkey FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id),
    CONSTRAINT invoices_account_fkey FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id),
    CONSTRAINT invoices_provider_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES providers (tenant_id, id),
    CONSTRAINT invoices_amount_positive CHECK (amount_kopecks > 0),
    CONSTRAINT invoices_currency_uah CHECK (currency = 'UAH'),
    CONSTRAINT invoices_status_known CHECK (status IN ('open', 'paid', 'refunded'))
);

-- A payment as the gateway reports it: its own id is unique per gateway,
-- so a replayed callback finds the row instead of making a second one.
-- evidence is the last verified callback's decoded body. refund_due flags
-- a successful payment of an invoice that was already paid.
CREATE TABLE payments (
    tenant_id       uuid        NOT NULL,
    id              uuid        NOT NULL,
    invoice_id      uuid        NOT NULL,
    gateway         text        NOT NULL,
    gateway_id      text        NOT NULL,
    status          text        NOT NULL,
    amount_kopecks  bigint      NOT NULL,
    currency        text        NOT NULL,
    evidence        jsonb       NOT NULL DEFAULT '{}',
    refund_due      boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payments_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT payments_gateway_id_key UNIQUE (tenant_id, gateway, gateway_id),
    CONSTRAINT payments_invoice_fkey FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id),
    CONSTRAINT payments_gateway_known CHECK (gateway IN ('liqpay', 'monobank')),
    CONSTRAINT payments_status_known CHECK (status IN ('pending', 'succeeded', 'failed', 'reversed'))
);
ALTER TABLE invoices ADD CONSTRAINT invoices_paid_by_fkey FOREIGN KEY (tenant_id, paid_by) REFERENCES payments (tenant_id, id);

-- Every callback received, in the order received: what it said (the raw
-- body), whether it was accepted, and if not why (a reason code). Written
-- for forged ones too, so an attack leaves a trace; append-only.
CREATE TABLE payment_callbacks (
    tenant_id    uuid        NOT NULL,
    id           uuid        NOT NULL,
    gateway      text        NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    outcome      text        NOT NULL,
    reason       text        NOT NULL DEFAULT '',
    invoice_id   uuid,
    gateway_id   text        NOT NULL DEFAULT '',
    status       text        NOT NULL DEFAULT '',
    body         text        NOT NULL,
    CONSTRAINT payment_callbacks_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT payment_callbacks_invoice_fkey FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id),
    CONSTRAINT payment_callbacks_gateway_known CHECK (gateway IN ('liqpay', 'monobank')),
    CONSTRAINT payment_callbacks_outcome_known CHECK (outcome IN ('accepted', 'ignored', 'refused'))
);
-- The receipt (квитанція) of a paid invoice: a PDF sealed with the
-- provider's seal (modules/documents), made once on first download; its
-- id is the QR code's, its hashes what the verification page checks.
CREATE TABLE payment_receipts (
    tenant_id        uuid        NOT NULL,
    id               uuid        NOT NULL,
    invoice_id       uuid        NOT NULL,
    pdf_key          text        NOT NULL,
    sha256           text        NOT NULL,
    signature_key    text        NOT NULL,
    signature_sha256 text        NOT NULL,
    holder           text        NOT NULL,
    issued_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payment_receipts_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT payment_receipts_invoice_key UNIQUE (tenant_id, invoice_id),
    CONSTRAINT payment_receipts_invoice_fkey FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
);
CREATE TRIGGER payment_receipts_append_only BEFORE UPDATE OR DELETE ON payment_receipts
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

CREATE INDEX payment_callbacks_invoice_idx ON payment_callbacks (tenant_id, invoice_id, received_at);
CREATE TRIGGER payment_callbacks_append_only BEFORE UPDATE OR DELETE ON payment_callbacks
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['payment_settings', 'invoices', 'payments', 'payment_callbacks', 'payment_receipts'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hromada_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE payment_receipts;
DROP TABLE payment_callbacks;
ALTER TABLE invoices DROP CONSTRAINT invoices_paid_by_fkey;
DROP TABLE payments;
DROP TABLE invoices;
DROP TABLE payment_settings;
