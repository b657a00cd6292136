-- +goose Up

-- The rate limit's count (notify/deliver.go claim): a city's deliveries
-- through a channel sent in the last minute. Without an index it read all
-- of the city's deliveries on every claim (27.6 ms over 21,700 rows in the
-- notices' bench, growing with every bulk send). Partial: only what counts.
CREATE INDEX notify_deliveries_rate_idx ON notify_deliveries (tenant_id, channel, updated_at)
    WHERE status IN ('sending', 'delivered');

-- +goose Down
DROP INDEX notify_deliveries_rate_idx;
