package notify

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// DeliveryRow is a delivery as the administrator's page shows it: what
// went out, how, and how it ended, with the address masked (the page is
// for seeing that delivery works, not for reading residents' addresses).
type DeliveryRow struct {
	ID        uuid.UUID
	CreatedAt time.Time
	UpdatedAt time.Time
	Kind      Kind
	Channel   Channel
	Address   string // masked
	Status    Status
	Attempts  int
	Segments  int
	LastError string
}

// Overview is what the administrator's page shows.
type Overview struct {
	Sender     *Sender
	DKIMName   string
	DKIMRecord string
	Counts     map[string]int // by status, the last 7 days
	Lists      []DeliveryList // the latest failures, the latest deliveries
	// The sender form: the identity in force, or what was typed with its
	// errors; Flash is the message key of what was just saved.
	SenderForm   SenderForm
	SenderErrors map[string]string
	Flash        string
}

// DeliveryList is a titled list of deliveries.
type DeliveryList struct {
	ID, TitleKey string
	Rows         []DeliveryRow
}

// Overview reads the administrator's page in one transaction.
func (s *Service) Overview(ctx context.Context) (*Overview, error) {
	c := &Overview{Counts: map[string]int{}}
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if s.o.Sealer != nil {
			if c.Sender, err = s.sender(ctx, tx); err != nil {
				return err
			}
			if c.DKIMName, c.DKIMRecord, err = c.Sender.DNSRecord(); err != nil {
				return err
			}
		}
		if err := countStatuses(ctx, tx, s.o.Now().Add(-7*24*time.Hour), c.Counts); err != nil {
			return err
		}
		failed, err := deliveries(ctx, tx, Permanent, 50)
		if err != nil {
			return err
		}
		recent, err := deliveries(ctx, tx, "", 100)
		c.Lists = []DeliveryList{{ID: "failed", TitleKey: "notify.admin.failed", Rows: failed}, {ID: "recent", TitleKey: "notify.admin.recent", Rows: recent}}
		return err
	})
	return c, err
}

func countStatuses(ctx context.Context, tx pgx.Tx, since time.Time, into map[string]int) error {
	rows, err := tx.Query(ctx, `SELECT status, count(*) FROM notify_deliveries WHERE created_at >= $1 GROUP BY status`, since)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return err
		}
		into[st] = n
	}
	return rows.Err()
}

func deliveries(ctx context.Context, tx pgx.Tx, status Status, limit int) ([]DeliveryRow, error) {
	rows, err := tx.Query(ctx, `SELECT d.id, d.created_at, d.updated_at, n.kind, d.channel, d.address, d.status, d.attempts, d.segments, d.last_error
		FROM notify_deliveries d JOIN notifications n ON n.tenant_id = d.tenant_id AND n.id = d.notification_id
		WHERE $1 = '' OR d.status = $1
		ORDER BY d.created_at DESC LIMIT $2`, status, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (DeliveryRow, error) {
		var d DeliveryRow
		err := r.Scan(&d.ID, &d.CreatedAt, &d.UpdatedAt, &d.Kind, &d.Channel, &d.Address, &d.Status, &d.Attempts, &d.Segments, &d.LastError)
		d.Address = mask(d.Channel, d.Address)
		return d, err
	})
}

// mask keeps of an address what tells one apart in a list: the first
// letter and the domain of an e-mail address, the operator code and the
// last two digits of a phone number, the last four of a device's id.
func mask(c Channel, addr string) string {
	if c == Email {
		local, domain, ok := strings.Cut(addr, "@")
		if !ok || local == "" {
			return "…"
		}
		return string([]rune(local)[0]) + "…@" + domain
	}
	if c == Push {
		// A device's id: nothing personal, but only its tail tells
		// devices apart in a list.
		return "…" + addr[max(len(addr)-4, 0):]
	}
	if len(addr) < 7 {
		return "…"
	}
	return addr[:5] + strings.Repeat("•", len(addr)-7) + addr[len(addr)-2:]
}
