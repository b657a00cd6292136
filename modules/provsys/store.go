package provsys

import (
	"context"
	"crypto/sha256"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

const routeColumns = `id, provider_id, service_id, kind, endpoint, client_id, certificate, updated_at, removed_at`

func scanRoute(row pgx.Row) (*Route, error) {
	var r Route
	err := row.Scan(&r.ID, &r.ProviderID, &r.ServiceID, &r.Kind, &r.Endpoint, &r.ClientID, &r.Certificate, &r.UpdatedAt, &r.Removed)
	return &r, err
}

// routeOf is the route set exactly for provider and service (nil: the
// provider's default), removed or not.
func routeOf(ctx context.Context, tx pgx.Tx, provider uuid.UUID, service *uuid.UUID, forUpdate bool) (*Route, error) {
	q := `SELECT ` + routeColumns + ` FROM provsys_routes WHERE provider_id = $1 AND service_id IS NOT DISTINCT FROM $2`
	if forUpdate {
		q += ` FOR UPDATE`
	}
	return scanRoute(tx.QueryRow(ctx, q, provider, service))
}

// routeFor is the route an application of service at provider takes: the
// service's own, else the provider's; pgx.ErrNoRows for none.
func routeFor(ctx context.Context, tx pgx.Tx, provider, service uuid.UUID) (*Route, error) {
	return scanRoute(tx.QueryRow(ctx, `SELECT `+routeColumns+` FROM provsys_routes
		WHERE provider_id = $1 AND (service_id = $2 OR service_id IS NULL) AND removed_at IS NULL
		ORDER BY service_id NULLS LAST LIMIT 1`, provider, service))
}

func routeByID(ctx context.Context, tx pgx.Tx, id uuid.UUID) (*Route, error) {
	return scanRoute(tx.QueryRow(ctx, `SELECT `+routeColumns+` FROM provsys_routes WHERE id = $1`, id))
}

func routes(ctx context.Context, tx pgx.Tx) ([]Route, error) {
	rows, err := tx.Query(ctx, `SELECT `+routeColumns+` FROM provsys_routes WHERE removed_at IS NULL ORDER BY provider_id, service_id NULLS FIRST`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Route, error) {
		rt, err := scanRoute(r)
		return *rt, err
	})
}

func insertRoute(ctx context.Context, tx pgx.Tx, r *Route, secretSum []byte) error {
	_, err := tx.Exec(ctx, `INSERT INTO provsys_routes (tenant_id, id, provider_id, service_id, client_id, secret_sha256)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5)`, r.ID, r.ProviderID, r.ServiceID, r.ClientID, secretSum)
	return err
}

// updateRoute writes what the administrator set; a removed route comes
// back.
func updateRoute(ctx context.Context, tx pgx.Tx, r *Route) error {
	_, err := tx.Exec(ctx, `UPDATE provsys_routes SET kind = $2, endpoint = $3, certificate = $4, updated_at = now(), removed_at = NULL WHERE id = $1`,
		r.ID, r.Kind, r.Endpoint, r.Certificate)
	return err
}

// removeRoute marks a service's route removed; false when there is no
// such service route in use.
func removeRoute(ctx context.Context, tx pgx.Tx, id uuid.UUID) (*Route, error) {
	return scanRoute(tx.QueryRow(ctx, `UPDATE provsys_routes SET removed_at = now(), updated_at = now()
		WHERE id = $1 AND service_id IS NOT NULL AND removed_at IS NULL RETURNING `+routeColumns, id))
}

func setSecret(ctx context.Context, tx pgx.Tx, route uuid.UUID, sum []byte) error {
	tag, err := tx.Exec(ctx, `UPDATE provsys_routes SET secret_sha256 = $2, updated_at = now() WHERE id = $1`, route, sum)
	if err == nil && tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return err
}

// routeBySecret is the route whose client id and secret these are.
func routeBySecret(ctx context.Context, tx pgx.Tx, clientID string, sum []byte) (*Route, error) {
	return scanRoute(tx.QueryRow(ctx, `SELECT `+routeColumns+` FROM provsys_routes WHERE client_id = $1 AND secret_sha256 = $2`, clientID, sum))
}

func insertToken(ctx context.Context, tx pgx.Tx, token string, route uuid.UUID, expires time.Time) error {
	sum := sha256.Sum256([]byte(token))
	_, err := tx.Exec(ctx, `INSERT INTO provsys_tokens (tenant_id, token_sha256, route_id, expires_at) VALUES (app_tenant_id(), $1, $2, $3)`,
		sum[:], route, expires)
	return err
}

// routeByToken is the route an unexpired access token was issued to.
func routeByToken(ctx context.Context, tx pgx.Tx, token string, now time.Time) (*Route, error) {
	sum := sha256.Sum256([]byte(token))
	return scanRoute(tx.QueryRow(ctx, `SELECT `+prefixed("r.")+` FROM provsys_tokens t JOIN provsys_routes r ON r.tenant_id = t.tenant_id AND r.id = t.route_id
		WHERE t.token_sha256 = $1 AND t.expires_at > $2`, sum[:], now))
}

func prefixed(p string) string {
	return p + "id, " + p + "provider_id, " + p + "service_id, " + p + "kind, " + p + "endpoint, " + p + "client_id, " + p + "certificate, " + p + "updated_at, " + p + "removed_at"
}

// insertDelivery writes a delivery; false when its message id exists (the
// same message again).
func insertDelivery(ctx context.Context, tx pgx.Tx, id, route uuid.UUID, app *uuid.UUID, kind, messageID string, payload map[string]any) (bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO provsys_deliveries (tenant_id, id, route_id, application_id, kind, message_id, payload)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, message_id) DO NOTHING`, id, route, app, kind, messageID, payload)
	return err == nil && tag.RowsAffected() == 1, err
}

// countDeliveries counts an application's deliveries of a kind.
func countDeliveries(ctx context.Context, tx pgx.Tx, app uuid.UUID, kind string) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM provsys_deliveries WHERE application_id = $1 AND kind = $2`, app, kind).Scan(&n)
	return n, err
}

const deliveryColumns = `id, seq, route_id, application_id, kind, message_id, status, attempts, last_error, created_at, sent_at, received_at,
	reg_number, reg_date, registered_at`

func scanDelivery(row pgx.Row) (*Delivery, error) {
	var d Delivery
	err := row.Scan(&d.ID, &d.Seq, &d.RouteID, &d.Application, &d.Kind, &d.MessageID, &d.Status, &d.Attempts, &d.LastError, &d.CreatedAt, &d.SentAt, &d.ReceivedAt,
		&d.RegNumber, &d.RegDate, &d.RegisteredAt)
	return &d, err
}

// setRegistered writes the recipient's registration of a delivery of the
// route; false when the route has no such delivery. A second notice
// changes nothing.
func setRegistered(ctx context.Context, tx pgx.Tx, route uuid.UUID, messageID, number string, date time.Time, at time.Time) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE provsys_deliveries SET reg_number = $3, reg_date = $4, registered_at = $5, updated_at = now(),
		status = 'delivered', received_at = coalesce(received_at, $5), sent_at = coalesce(sent_at, $5)
		WHERE route_id = $1 AND message_id = $2 AND registered_at IS NULL`, route, messageID, number, date, at)
	if err != nil || tag.RowsAffected() == 1 {
		return err == nil, err
	}
	var n int
	err = tx.QueryRow(ctx, `SELECT count(*) FROM provsys_deliveries WHERE route_id = $1 AND message_id = $2`, route, messageID).Scan(&n)
	return n == 1, err
}

func collectDeliveries(rows pgx.Rows, err error) ([]Delivery, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Delivery, error) {
		d, err := scanDelivery(r)
		return *d, err
	})
}

// deliveryPayload is what a delivery says beyond the application (an
// answer's comment).
func deliveryPayload(ctx context.Context, tx pgx.Tx, id uuid.UUID) (map[string]any, error) {
	var p map[string]any
	err := tx.QueryRow(ctx, `SELECT payload FROM provsys_deliveries WHERE id = $1`, id).Scan(&p)
	return p, err
}

// markSending marks a delivery taken by an attempt.
func markSending(ctx context.Context, tx pgx.Tx, id uuid.UUID, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE provsys_deliveries SET status = 'sending', attempts = attempts + 1, updated_at = $2 WHERE id = $1`, id, now)
	return err
}

// setOutcome writes what an attempt found out. sent is when the message
// went out; a delivered one is received at received.
func setOutcome(ctx context.Context, tx pgx.Tx, id uuid.UUID, st Status, errMsg string, sent, received *time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE provsys_deliveries SET status = $2, last_error = $3, updated_at = now(),
		sent_at = coalesce(sent_at, $4), received_at = coalesce(received_at, $5) WHERE id = $1`, id, st, truncate(errMsg, 500), sent, received)
	return err
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// recordCallback logs a callback; ok false when an accepted one with the
// same message id exists (a replay).
func recordCallback(ctx context.Context, tx pgx.Tx, route *uuid.UUID, messageID string, app *uuid.UUID, kind, outcome, reason string) (bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO provsys_callbacks (tenant_id, id, route_id, message_id, application_id, kind, outcome, reason)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, route_id, message_id) WHERE outcome = 'accepted' DO NOTHING`,
		uuid.New(), route, messageID, app, kind, outcome, truncate(reason, 500))
	return err == nil && tag.RowsAffected() == 1, err
}

// accepted says whether a callback with this message id was accepted.
func accepted(ctx context.Context, tx pgx.Tx, route uuid.UUID, messageID string) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM provsys_callbacks WHERE route_id = $1 AND message_id = $2 AND outcome = 'accepted')`,
		route, messageID).Scan(&ok)
	return ok, err
}
