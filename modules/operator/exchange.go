package operator

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Exchange is what the console may know of a city's national monitoring
// exchange (modules/monitoring): how many messages were sent, how many
// wait and how many of those failed, when the last went and the last
// error — never what a message says.
type Exchange struct {
	Sent, Pending, Failing int64
	LastSent               *time.Time
	LastError              string
}

// Exchanges returns every tenant's Exchange, through
// national_exchange_state (migration 0028, a window like 0015's).
func (s *Service) Exchanges(ctx context.Context) (map[uuid.UUID]Exchange, error) {
	rows, err := s.pool.Query(ctx, `SELECT t.id, e.sent, e.pending, e.failing, e.last_sent, e.last_error
		FROM tenants t CROSS JOIN LATERAL national_exchange_state(t.id) e`)
	if err != nil {
		return nil, fmt.Errorf("operator: national exchanges: %w", err)
	}
	defer rows.Close()
	out := map[uuid.UUID]Exchange{}
	for rows.Next() {
		var id uuid.UUID
		var e Exchange
		if err := rows.Scan(&id, &e.Sent, &e.Pending, &e.Failing, &e.LastSent, &e.LastError); err != nil {
			return nil, fmt.Errorf("operator: national exchanges: %w", err)
		}
		out[id] = e
	}
	return out, rows.Err()
}

// ExchangeMessage is one national message as the console may see it:
// which provider's day, whether and when it went, the receipt's id and
// every attempt — never what the message says.
type ExchangeMessage struct {
	ID           uuid.UUID
	ProviderCode string
	Day          time.Time
	Schema       string
	Status       string // pending, sent
	Attempts     int
	CreatedAt    time.Time
	SentAt       *time.Time
	ReceiptID    string
	LastError    string
	Tries        []ExchangeAttempt
}

// ExchangeAttempt is one delivery attempt: when, and the receiver's
// refusal ("" when it was accepted).
type ExchangeAttempt struct {
	N     int       `json:"n"`
	At    time.Time `json:"at"`
	Error string    `json:"error"`
}

// Failing reports whether the message waits after a failed attempt.
func (m ExchangeMessage) Failing() bool { return m.Status == "pending" && m.Attempts > 0 }

// exchangeListed is how many of a city's messages the console lists.
const exchangeListed = 200

// ExchangeMessages returns the city's latest national messages (newest
// day first), through national_exchange_messages (migration 0044).
func (s *Service) ExchangeMessages(ctx context.Context, id uuid.UUID) ([]ExchangeMessage, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, provider_code, day, schema, status, attempts, created_at, sent_at, receipt_id, last_error, tries
		FROM national_exchange_messages($1, $2)`, id, exchangeListed)
	if err != nil {
		return nil, fmt.Errorf("operator: national messages: %w", err)
	}
	defer rows.Close()
	var out []ExchangeMessage
	for rows.Next() {
		var m ExchangeMessage
		if err := rows.Scan(&m.ID, &m.ProviderCode, &m.Day, &m.Schema, &m.Status, &m.Attempts, &m.CreatedAt, &m.SentAt,
			&m.ReceiptID, &m.LastError, &m.Tries); err != nil {
			return nil, fmt.Errorf("operator: national messages: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
