-- +goose Up
-- An invoice whose application is refused or withdrawn before it is paid
-- is cancelled (modules/payments, issue 17): nothing is due any more, the
-- invoice page offers no payment, and a payment that still arrives (a bank
-- page opened before) is recorded and flagged for refund, never counted.
ALTER TABLE invoices DROP CONSTRAINT invoices_status_known;
ALTER TABLE invoices ADD CONSTRAINT invoices_status_known CHECK (status IN ('open', 'paid', 'refunded', 'cancelled'));

-- +goose Down
-- NOT VALID: a cancelled invoice made meanwhile does not stop the way back
-- (RLS hides the rows from a migration's UPDATE); new rows are checked.
ALTER TABLE invoices DROP CONSTRAINT invoices_status_known;
ALTER TABLE invoices ADD CONSTRAINT invoices_status_known CHECK (status IN ('open', 'paid', 'refunded')) NOT VALID;
