-- +goose Up
-- Officials' decisions become documents a person can read (issue 14): the
-- decision is a signed PDF (kind 'decision', its detached signature
-- 'decision_signature'), and the signed JSON record of the decision stays
-- beside it as machine-readable data under kinds of its own, so that the
-- cabinet tells the document from the data. Rows issued before keep their
-- kinds: their 'decision' is the JSON record.
ALTER TABLE application_files DROP CONSTRAINT application_files_kind_known;
ALTER TABLE application_files ADD CONSTRAINT application_files_kind_known CHECK (kind IN ('attachment', 'answer', 'result',
    'result_signature', 'decision', 'decision_signature', 'decision_data', 'decision_data_signature'));

-- +goose Down
ALTER TABLE application_files DROP CONSTRAINT application_files_kind_known;
ALTER TABLE application_files ADD CONSTRAINT application_files_kind_known CHECK (kind IN ('attachment', 'answer', 'result',
    'result_signature', 'decision', 'decision_signature'));
