package provsys

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Pulled is a message as the pull API lists it.
type Pulled struct {
	Seq       int64  `json:"seq"`
	MessageID string `json:"message_id"`
	Body      []byte `json:"body"`      // the message's canonical JSON (base64)
	Signature []byte `json:"signature"` // the detached CMS over Body (base64)
}

// PullLimit is how many messages one page of the pull API holds.
const PullLimit = 20

// Pull lists a pull route's messages after the cursor, signed; the first
// listing is the moment of sending. A message stays listed after the
// cursor until it is acknowledged.
func (s *Service) Pull(ctx context.Context, r *Route, after int64) ([]Pulled, error) {
	if r.Kind != Pull {
		return nil, ErrNotPullRoute
	}
	type item struct {
		m  *Message
		sl *seal
		d  Delivery
	}
	var items []item
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		ds, err := collectDeliveries(tx.Query(ctx, `SELECT `+deliveryColumns+` FROM provsys_deliveries
			WHERE route_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, r.ID, after, PullLimit))
		if err != nil {
			return err
		}
		now := s.o.Now()
		for _, d := range ds {
			m, sl, err := s.compose(ctx, tx, &d, r)
			if err != nil {
				return err
			}
			items = append(items, item{m, sl, d})
			if d.SentAt == nil {
				if err := setOutcome(ctx, tx, d.ID, d.Status, "", &now, nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Pulled, 0, len(items))
	for _, it := range items {
		body, cms, err := it.m.sign(it.sl)
		if err != nil {
			return nil, err
		}
		out = append(out, Pulled{Seq: it.d.Seq, MessageID: it.d.MessageID, Body: body, Signature: cms})
	}
	return out, nil
}

// Ack is the system's receipt of a pulled message: the moment of
// receiving. A second ack changes nothing.
func (s *Service) Ack(ctx context.Context, r *Route, messageID string) error {
	return s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		d, err := scanDelivery(tx.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM provsys_deliveries WHERE route_id = $1 AND message_id = $2 FOR UPDATE`,
			r.ID, messageID))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil || d.Status == Delivered {
			return err
		}
		now := s.o.Now()
		return setOutcome(ctx, tx, d.ID, Delivered, "", &now, &now)
	})
}

// tokenTTL is how long an access token works.
const tokenTTL = 10 * time.Minute
