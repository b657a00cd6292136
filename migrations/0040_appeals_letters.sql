-- +goose Up
-- Appeals (issue 18), the rest: a complaint about an answer, and the
-- official's letters as signed PDFs (modules/appeals, docs/appeals.md).
--
-- A complaint about an answer names the appeal it complains about
-- (about_appeal_id); like a complaint about an application's result it
-- carries the answer's provider and official in about_provider_id and
-- about_official_id, so appeals_not_to_subject (art. 7) keeps it from them.
ALTER TABLE appeals ADD COLUMN about_appeal_id uuid;
ALTER TABLE appeals ADD CONSTRAINT appeals_about_appeal_fkey FOREIGN KEY (tenant_id, about_appeal_id) REFERENCES appeals (tenant_id, id);
ALTER TABLE appeals DROP CONSTRAINT appeals_about_only_complaints;
ALTER TABLE appeals ADD CONSTRAINT appeals_about_only_complaints
    CHECK (kind = 'complaint' OR (about_provider_id IS NULL AND about_official_id IS NULL AND about_appeal_id IS NULL));
ALTER TABLE appeals ADD CONSTRAINT appeals_about_appeal_not_self CHECK (about_appeal_id IS DISTINCT FROM id);
CREATE INDEX appeals_about_appeal_idx ON appeals (tenant_id, about_appeal_id) WHERE about_appeal_id IS NOT NULL;

-- The official's question to the resident is a letter signed like the
-- answer: its PDF and detached signature are files of the appeal, and the
-- thread's message points at the PDF.
ALTER TABLE appeal_files DROP CONSTRAINT appeal_files_kind_known;
ALTER TABLE appeal_files ADD CONSTRAINT appeal_files_kind_known
    CHECK (kind IN ('attachment', 'answer', 'answer_signature', 'letter', 'letter_signature'));
ALTER TABLE appeal_messages ADD COLUMN file_id uuid;
ALTER TABLE appeal_messages ADD CONSTRAINT appeal_messages_file_fkey FOREIGN KEY (tenant_id, file_id) REFERENCES appeal_files (tenant_id, id);

-- +goose Down
ALTER TABLE appeal_messages DROP CONSTRAINT appeal_messages_file_fkey;
ALTER TABLE appeal_messages DROP COLUMN file_id;
ALTER TABLE appeal_files DROP CONSTRAINT appeal_files_kind_known;
ALTER TABLE appeal_files ADD CONSTRAINT appeal_files_kind_known CHECK (kind IN ('attachment', 'answer', 'answer_signature'));
DROP INDEX appeals_about_appeal_idx;
ALTER TABLE appeals DROP CONSTRAINT appeals_about_appeal_not_self;
ALTER TABLE appeals DROP CONSTRAINT appeals_about_only_complaints;
ALTER TABLE appeals ADD CONSTRAINT appeals_about_only_complaints CHECK (kind = 'complaint' OR (about_provider_id IS NULL AND about_official_id IS NULL));
ALTER TABLE appeals DROP COLUMN about_appeal_id;
