-- +goose Up
-- An invoice whose application is refused or withdrawn before it is paid
-- is cancelled (modules/payments, issue 17): nothing is due any more, the
-- invoice page offers no payment, and a payment that still arrives (a bank
-- page opened before) is recorded and flagged for refund, never counted.
ALTER TABLE invoices DROP CONSTRAINT invoices_status_known;
ALTER TABLE invoices ADD CONSTRAINT invoices_status_known CHECK (status IN ('open', 'paid', 'refunded', 'cancelled'));

-- A bank receipt a resident uploads instead of paying online (paid at a
-- bank by the invoice's requisites), for an official of the provider to
-- check: accepted, it pays the invoice by a payment of the gateway "bank"
-- whose evidence is the official and the file; rejected, it says why. At
-- most one waits per invoice.
ALTER TABLE payments DROP CONSTRAINT payments_gateway_known;
ALTER TABLE payments ADD CONSTRAINT payments_gateway_known CHECK (gateway IN ('liqpay', 'monobank', 'bank'));
CREATE TABLE payment_proofs (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    invoice_id    uuid        NOT NULL,
    file_key      text        NOT NULL,
    file_name     text        NOT NULL,
    content_type  text        NOT NULL,
    size          bigint      NOT NULL,
    sha256        text        NOT NULL,
    status        text        NOT NULL DEFAULT 'pending',
    reason        text        NOT NULL DEFAULT '',
    uploaded_at   timestamptz NOT NULL DEFAULT now(),
    decided_by    uuid,
    decided_name  text        NOT NULL DEFAULT '',
    decided_at    timestamptz,
    CONSTRAINT payment_proofs_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT payment_proofs_invoice_fkey FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id),
    CONSTRAINT payment_proofs_decided_by_fkey FOREIGN KEY (tenant_id, decided_by) REFERENCES accounts (tenant_id, id),
    CONSTRAINT payment_proofs_status_known CHECK (status IN ('pending', 'accepted', 'rejected')),
    CONSTRAINT payment_proofs_rejected_why CHECK (status <> 'rejected' OR reason <> '')
);
CREATE UNIQUE INDEX payment_proofs_one_pending ON payment_proofs (tenant_id, invoice_id) WHERE status = 'pending';
CREATE INDEX payment_proofs_invoice_idx ON payment_proofs (tenant_id, invoice_id, uploaded_at);
ALTER TABLE payment_proofs ENABLE ROW LEVEL SECURITY;
ALTER TABLE payment_proofs FORCE ROW LEVEL SECURITY;
CREATE POLICY payment_proofs_tenant ON payment_proofs USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON payment_proofs TO hromada_app;

-- +goose Down
DROP TABLE payment_proofs;
ALTER TABLE payments DROP CONSTRAINT payments_gateway_known;
ALTER TABLE payments ADD CONSTRAINT payments_gateway_known CHECK (gateway IN ('liqpay', 'monobank')) NOT VALID;
-- NOT VALID: a cancelled invoice made meanwhile does not stop the way back
-- (RLS hides the rows from a migration's UPDATE); new rows are checked.
ALTER TABLE invoices DROP CONSTRAINT invoices_status_known;
ALTER TABLE invoices ADD CONSTRAINT invoices_status_known CHECK (status IN ('open', 'paid', 'refunded')) NOT VALID;
