package notify

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

func insertNotice(ctx context.Context, tx pgx.Tx, n Notice) (uuid.UUID, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, err
	}
	args := n.Args
	if args == nil {
		args = map[string]any{}
	}
	_, err = tx.Exec(ctx, insertNoticeSQL, id, n.Account, n.Application, n.Key, args, n.Kind, n.Urgency)
	return id, err
}

const insertNoticeSQL = `INSERT INTO notifications (tenant_id, id, account_id, application_id, key, args, kind, urgency)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7)`

// contact is an address of a person on a channel: for push, a device's
// id, with its platform.
type contact struct {
	Channel  Channel
	Address  string
	Platform Platform
}

// channelsFor are account's confirmed addresses and registered devices
// whose channel is on for kind (no preference row: on, but for an opt-in
// kind).
func channelsFor(ctx context.Context, tx pgx.Tx, account uuid.UUID, kind Kind) ([]contact, error) {
	rows, err := tx.Query(ctx, channelsSQL, account, kind, optIn(kind))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanContact)
}

// channelsSQL reads channelsFor's contacts: $1 the account, $2 the kind,
// $3 whether the kind is opt-in.
const channelsSQL = `SELECT c.channel, c.address, '' FROM notify_contacts c
		LEFT JOIN notify_preferences p ON p.tenant_id = c.tenant_id AND p.account_id = c.account_id AND p.channel = c.channel AND p.kind = $2
		WHERE c.account_id = $1 AND c.confirmed_at IS NOT NULL AND coalesce(p.enabled, NOT $3)
		UNION ALL
		SELECT 'push', d.id::text, d.platform FROM notify_devices d
		LEFT JOIN notify_preferences p ON p.tenant_id = d.tenant_id AND p.account_id = d.account_id AND p.channel = 'push' AND p.kind = $2
		WHERE d.account_id = $1 AND d.disabled_at IS NULL AND coalesce(p.enabled, NOT $3)
		ORDER BY 1, 2`

// queueNoticeSQL is insertNoticeSQL and channelsSQL as one statement:
// the notice (its id $4, application $5, key $6, args $7, urgency $8) is
// inserted by a data-modifying CTE, which runs whether or not the query
// reads it, and the query is channelsSQL's ($1–$3 as there).
const queueNoticeSQL = `WITH notice AS (INSERT INTO notifications (tenant_id, id, account_id, application_id, key, args, kind, urgency)
		VALUES (app_tenant_id(), $4, $1, $5, $6, $7, $2, $8)) ` + channelsSQL

func scanContact(r pgx.CollectableRow) (contact, error) {
	var c contact
	return c, r.Scan(&c.Channel, &c.Address, &c.Platform)
}

func insertDelivery(ctx context.Context, tx pgx.Tx, notice uuid.UUID, c contact, secret map[string]any) (uuid.UUID, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, err
	}
	if secret == nil {
		secret = map[string]any{}
	}
	_, err = tx.Exec(ctx, `INSERT INTO notify_deliveries (tenant_id, id, notification_id, channel, address, secret_args)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5)`, id, notice, c.Channel, c.Address, secret)
	return id, err
}

// Settings are a person's language and quiet hours (minutes after local
// midnight; equal: none).
type Settings struct {
	Language           string
	QuietFrom, QuietTo int
	// Digest: new work goes out by the person's channels once a day, as
	// one summary (digest.go); the inbox has each at once either way.
	Digest bool
	// District is «Мій район»: the code of one of the city's districts
	// the person says they live in, for bulk sends to a district; empty:
	// not said.
	District string
}

func settingsOf(ctx context.Context, tx pgx.Tx, account uuid.UUID) (Settings, error) {
	st := Settings{Language: "uk"}
	err := tx.QueryRow(ctx, `SELECT language, quiet_from, quiet_to, digest, coalesce(district, '') FROM notify_settings WHERE account_id = $1`, account).
		Scan(&st.Language, &st.QuietFrom, &st.QuietTo, &st.Digest, &st.District)
	if errors.Is(err, pgx.ErrNoRows) {
		return st, nil
	}
	return st, err
}

// Notification is a notice of the inbox, with how it went out.
type Notification struct {
	ID            uuid.UUID
	ApplicationID *uuid.UUID
	Kind          Kind
	Key           string
	Args          map[string]any
	CreatedAt     time.Time
	ReadAt        *time.Time
	Deliveries    []DeliveryStatus
}

// DeliveryStatus is how a notice went out through one channel.
type DeliveryStatus struct {
	Channel   Channel
	Status    Status
	UpdatedAt time.Time
}

func inbox(ctx context.Context, tx pgx.Tx, account uuid.UUID) ([]Notification, error) {
	rows, err := tx.Query(ctx, `SELECT n.id, n.application_id, n.kind, n.key, n.args, n.created_at, n.read_at,
			coalesce(json_agg(json_build_object('Channel', d.channel, 'Status', d.status, 'UpdatedAt', d.updated_at) ORDER BY d.channel)
				FILTER (WHERE d.id IS NOT NULL), '[]')
		FROM notifications n
		LEFT JOIN notify_deliveries d ON d.tenant_id = n.tenant_id AND d.notification_id = n.id
		WHERE n.account_id = $1
		GROUP BY n.tenant_id, n.id
		ORDER BY n.created_at DESC LIMIT 100`, account)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Notification, error) {
		var n Notification
		err := r.Scan(&n.ID, &n.ApplicationID, &n.Kind, &n.Key, &n.Args, &n.CreatedAt, &n.ReadAt, &n.Deliveries)
		return n, err
	})
}

// Unread counts account's unread notices, in tx (the cabinet's badge).
func Unread(ctx context.Context, tx pgx.Tx, account uuid.UUID) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE account_id = $1 AND read_at IS NULL`, account).Scan(&n)
	return n, err
}

func markRead(ctx context.Context, tx pgx.Tx, account uuid.UUID) error {
	_, err := tx.Exec(ctx, `UPDATE notifications SET read_at = now() WHERE account_id = $1 AND read_at IS NULL`, account)
	return err
}
