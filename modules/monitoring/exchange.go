package monitoring

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/documents"
	"hromada/tenant"
)

// Envelope is what goes over the wire to the national system: the
// message's bytes as signed and their detached CAdES signature.
type Envelope struct {
	MessageID uuid.UUID `json:"message_id"`
	Schema    string    `json:"schema"`
	Body      []byte    `json:"body"`      // base64 in JSON
	Signature []byte    `json:"signature"` // DER CMS, base64 in JSON
}

// Receipt is the national system's answer to a message.
type Receipt struct {
	MessageID  uuid.UUID `json:"message_id"`
	ReceiptID  string    `json:"receipt_id"`
	AcceptedAt time.Time `json:"accepted_at"`
}

// National is where the exchange sends: the receiver's URL and an HTTP
// client whose TLS config carries the city's client certificate (mutual
// TLS) and the receiver's trusted roots.
type National struct {
	URL    string
	Client *http.Client
}

// ErrNoExchange is returned when no national receiver is configured.
var ErrNoExchange = errors.New("monitoring: the national exchange is not configured")

// exchangeHorizon is how many days back a city's first exchange reaches.
const exchangeHorizon = 7

// Exchange builds and queues the messages of every day since the city's
// last exchange up to yesterday, one per provider with activity that day,
// each signed with its provider's seal, in one transaction; a day already
// built is found, not built again. It returns the new messages' ids. A
// provider without a seal stops the exchange at that day (the log says
// why), so that no day is skipped.
func (s *Service) Exchange(ctx context.Context) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		ids, err = s.exchange(ctx, tx)
		return err
	})
	return ids, err
}

func (s *Service) exchange(ctx context.Context, tx pgx.Tx) ([]uuid.UUID, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now().In(tenant.Zone)
	yesterday := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	if _, err := tx.Exec(ctx, `INSERT INTO monitoring_rollup_state (tenant_id, kind, watermark) VALUES (app_tenant_id(), 'national', $1)
		ON CONFLICT DO NOTHING`, yesterday.AddDate(0, 0, -exchangeHorizon)); err != nil {
		return nil, fmt.Errorf("monitoring: exchange state: %w", err)
	}
	var done time.Time
	if err := tx.QueryRow(ctx, `SELECT (watermark AT TIME ZONE 'UTC')::date FROM monitoring_rollup_state WHERE kind = 'national' FOR UPDATE`).Scan(&done); err != nil {
		return nil, fmt.Errorf("monitoring: exchange state: %w", err)
	}
	var ids []uuid.UUID
	for day := done.AddDate(0, 0, 1); !day.After(yesterday); day = day.AddDate(0, 0, 1) {
		built, err := s.exchangeDay(ctx, tx, t, day)
		if errors.Is(err, documents.ErrNoSeal) {
			s.log.Warn("monitoring: national exchange waits for a provider's seal", "day", day.Format(time.DateOnly), "err", err)
			break
		}
		if err != nil {
			return nil, err
		}
		ids = append(ids, built...)
		if _, err := tx.Exec(ctx, `UPDATE monitoring_rollup_state SET watermark = $1, ran_at = now() WHERE kind = 'national'`, day); err != nil {
			return nil, fmt.Errorf("monitoring: exchange state: %w", err)
		}
	}
	return ids, nil
}

// exchangeDay builds the day's message of every provider with activity.
func (s *Service) exchangeDay(ctx context.Context, tx pgx.Tx, t *tenant.Tenant, day time.Time) ([]uuid.UUID, error) {
	rows, err := tx.Query(ctx, `SELECT p.id, p.code, p.edrpou, coalesce(p.name->>'uk', p.name_uk) FROM providers p WHERE
		EXISTS (SELECT FROM monitoring_service_days d WHERE d.provider_id = p.id AND d.day = $1)
		OR EXISTS (SELECT FROM monitoring_centre_days c JOIN services sv ON sv.id = c.service_id WHERE sv.provider_id = p.id AND c.day = $1)
		ORDER BY p.code`, day)
	if err != nil {
		return nil, fmt.Errorf("monitoring: the day's providers: %w", err)
	}
	type provider struct {
		ID uuid.UUID
		NationalProvider
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (provider, error) {
		var p provider
		return p, r.Scan(&p.ID, &p.Code, &p.EDRPOU, &p.Name)
	})
	if err != nil {
		return nil, fmt.Errorf("monitoring: the day's providers: %w", err)
	}
	var ids []uuid.UUID
	for _, p := range ps {
		rep := &Report{Filter: Filter{From: day, To: day, Provider: p.Code}}
		if err := serviceLines(ctx, tx, rep, day); err != nil {
			return nil, fmt.Errorf("monitoring: the day's services: %w", err)
		}
		if err := centreLines(ctx, tx, rep); err != nil {
			return nil, fmt.Errorf("monitoring: the day's centres: %w", err)
		}
		id := messageID(t.ID, p.ID, day, s.format.Schema())
		nd := &NationalDay{MessageID: id, Schema: s.format.Schema(), City: t.Slug, Day: day.Format(time.DateOnly),
			Provider: p.NationalProvider, Services: []NationalService{}, Centres: []NationalCentre{}, Generated: s.now().UTC()}
		for _, l := range rep.Services {
			nd.Services = append(nd.Services, NationalService{NationalCode: l.NationalCode, Code: l.Code, Name: l.Name.UK,
				Submitted: l.Submitted, Automatic: l.Automatic, Officials: l.Officials, Approved: l.Approved, Refused: l.Refused,
				OnTime: l.OnTime, Late: l.Late, MedianDays: l.MedianDays, OverdueOpen: l.OverdueOpen, CardViews: l.CardViews,
				Ratings: [4]int64{l.Results.R1, l.Results.R2, l.Results.R3, l.Results.R4}})
		}
		for _, c := range rep.Centres {
			nc := NationalCentre{Code: c.Code, Name: c.Name.UK, Served: c.Served,
				Ratings: [4]int64{c.Ratings.R1, c.Ratings.R2, c.Ratings.R3, c.Ratings.R4}}
			if v, ok := c.Ratings.Loyalty(); ok {
				nc.Loyalty = &v
			}
			nd.Centres = append(nd.Centres, nc)
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM national_messages WHERE id = $1)`, id).Scan(&exists); err != nil {
			return nil, fmt.Errorf("monitoring: national message: %w", err)
		}
		if exists {
			continue
		}
		body, err := s.format.Encode(nd)
		if err != nil {
			return nil, fmt.Errorf("monitoring: national message: %w", err)
		}
		key, chain, err := documents.ActiveSeal(ctx, tx, s.seals, p.ID)
		if err != nil {
			return nil, fmt.Errorf("monitoring: the seal of %s: %w", p.Code, err)
		}
		sig, err := documents.SignCAdES(body, key, chain)
		if err != nil {
			return nil, fmt.Errorf("monitoring: signing %s: %w", id, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO national_messages (tenant_id, id, provider_id, day, schema, body, signature)
			VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6)`, id, p.ID, day, s.format.Schema(), body, sig); err != nil {
			return nil, fmt.Errorf("monitoring: national message: %w", err)
		}
		if s.insert != nil {
			if err := s.insert(ctx, tx, SendArgs{Envelope: tenant.Envelope{TenantID: t.ID}, MessageID: id}); err != nil {
				return nil, fmt.Errorf("monitoring: queue %s: %w", id, err)
			}
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Deliver posts the message to the national receiver and returns its
// receipt, outside any transaction (the wait holds no connection); a
// message already sent is not posted again. A failure is recorded on the
// message (attempts, last_error) for the operator, and returned.
func (s *Service) Deliver(ctx context.Context, id uuid.UUID) (*Receipt, error) {
	var env Envelope
	var status, receipt string
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id, schema, body, signature, status, receipt FROM national_messages WHERE id = $1`, id).
			Scan(&env.MessageID, &env.Schema, &env.Body, &env.Signature, &status, &receipt)
	})
	if err != nil {
		return nil, fmt.Errorf("monitoring: national message %s: %w", id, err)
	}
	if status == "sent" {
		return nil, nil
	}
	rc, err := s.post(ctx, &env)
	if err != nil {
		if e := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			return recordAttempt(ctx, tx, id, err.Error())
		}); e != nil {
			s.log.Error("monitoring: recording a failed delivery", "message", id, "err", e)
		}
		return nil, err
	}
	return rc, nil
}

func (s *Service) post(ctx context.Context, env *Envelope) (*Receipt, error) {
	if s.national == nil || s.national.URL == "" || s.national.Client == nil {
		return nil, ErrNoExchange
	}
	body, err := json.Marshal(env)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.national.URL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("monitoring: national request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.national.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("monitoring: national receiver: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("monitoring: national receiver: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("monitoring: national receiver answered %d: %s", resp.StatusCode, bytes.TrimSpace(raw))
	}
	var rc Receipt
	if err := json.Unmarshal(raw, &rc); err != nil || rc.MessageID != env.MessageID || rc.ReceiptID == "" {
		return nil, fmt.Errorf("monitoring: national receiver: not a receipt of %s: %s", env.MessageID, bytes.TrimSpace(raw))
	}
	return &rc, nil
}

// recordReceipt marks the message sent with its receipt, in tx (nil: it
// was sent before).
func recordReceipt(ctx context.Context, tx pgx.Tx, id uuid.UUID, rc *Receipt) error {
	if rc == nil {
		return nil
	}
	raw, err := json.Marshal(rc)
	if err != nil {
		return err
	}
	var n int
	err = tx.QueryRow(ctx, `UPDATE national_messages SET status = 'sent', receipt = $2, sent_at = now(), attempts = attempts + 1, last_error = ''
		WHERE id = $1 AND status = 'pending' RETURNING attempts`, id, string(raw)).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // recorded sent by an earlier attempt
	}
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO national_attempts (tenant_id, message_id, n) VALUES (app_tenant_id(), $1, $2)`, id, n)
	return err
}

// recordAttempt records a failed delivery on the message (attempts,
// last_error) and in its attempts, for the operator's console.
func recordAttempt(ctx context.Context, tx pgx.Tx, id uuid.UUID, failure string) error {
	var n int
	if err := tx.QueryRow(ctx, `UPDATE national_messages SET attempts = attempts + 1, last_error = $2 WHERE id = $1 RETURNING attempts`,
		id, failure).Scan(&n); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO national_attempts (tenant_id, message_id, n, error) VALUES (app_tenant_id(), $1, $2, $3)`, id, n, failure)
	return err
}

// Send delivers the message and records its receipt: what the send job
// does, in one call.
func (s *Service) Send(ctx context.Context, id uuid.UUID) error {
	rc, err := s.Deliver(ctx, id)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error { return recordReceipt(ctx, tx, id, rc) })
}
