-- +goose Up

-- The audit log of a city becomes eight hash chains, its lanes (issue 24,
-- W2): every append locked the city's one head row until COMMIT, so all of
-- a city's submissions queued on it. A transaction now appends to the lane
-- of its transaction id (modules/audit: lane = xid % 8), and each lane has
-- its own head row and its own gapless seq, so eight transactions of one
-- city chain at once. Nothing is added per record: the same row, the same
-- head update, only not the same head.
--
-- The existing rows are lane 0 and stay as they are: lane 0's head is the
-- old head (chain 'audit'), its rows hash with the v1 encoding as before,
-- so they verify unchanged; lanes 1 to 7 are chains 'audit.1' … 'audit.7'
-- and their rows hash the lane too (encoding v2), so a row cannot move
-- between lanes unseen.
ALTER TABLE audit_events ADD COLUMN lane smallint NOT NULL DEFAULT 0;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_lane_known CHECK (lane >= 0);
ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey,
    ADD CONSTRAINT audit_events_pkey PRIMARY KEY (tenant_id, lane, seq);

-- The auditor's pages list a city's records newest first across the
-- lanes: by time, then id (a total order, so paging neither skips nor
-- repeats a record; seq is no longer unique in a city).
CREATE INDEX audit_events_at_id_idx ON audit_events (tenant_id, at, id);
DROP INDEX audit_events_at_idx;

-- A city's heads are made all at once (modules/audit's first append makes
-- the eight), so verify knows a whole lane deleted with its head. Cities
-- that have a log get their seven new heads here, empty; the owner sets
-- each city in turn, as forced row-level security asks.
-- +goose StatementBegin
DO $$
DECLARE t uuid;
BEGIN
    FOR t IN SELECT id FROM tenants LOOP
        PERFORM set_config('app.tenant_id', t::text, true);
        INSERT INTO audit_heads (tenant_id, chain, seq, hash)
            SELECT t, 'audit.' || l, 0, decode(repeat('00', 32), 'hex')
            FROM generate_series(1, 7) AS l
            WHERE EXISTS (SELECT FROM audit_heads WHERE tenant_id = t AND chain = 'audit')
            ON CONFLICT (tenant_id, chain) DO NOTHING;
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END
$$;
-- +goose StatementEnd

-- +goose Down
-- Only while lanes 1 to 7 are empty: their rows' seqs repeat lane 0's.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey,
    ADD CONSTRAINT audit_events_pkey PRIMARY KEY (tenant_id, seq);
CREATE INDEX audit_events_at_idx ON audit_events (tenant_id, at);
DROP INDEX audit_events_at_id_idx;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_lane_known;
ALTER TABLE audit_events DROP COLUMN lane;
