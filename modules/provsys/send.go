package provsys

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"hromada/egress"
	"hromada/tenant"
)

// errBusy: another attempt holds the delivery.
var errBusy = errors.New("provsys: the delivery is being sent by another attempt")

// attemptOutcome is what an attempt found out, written with the job's
// completion.
type attemptOutcome struct {
	skip     bool
	status   Status
	errMsg   string
	sent     *time.Time
	received *time.Time
}

// Worker returns the River worker of the webhook deliveries.
func (s *Service) Worker() river.Worker[SendArgs] {
	w := tenant.NewStepWorker(s.o.DB, s.attempt, s.record)
	w.RetryAfter = s.o.RetryAfter
	return w
}

// attempt takes the delivery (a short transaction, so the row says
// "sending" while the message is out), signs and POSTs it with no
// transaction open, and says how it went. A failure that another attempt
// may cure is written at once and returned, for River to retry; on the
// last attempt, or when the system refuses the message (4xx), the
// delivery fails for good.
func (s *Service) attempt(ctx context.Context, job *river.Job[SendArgs]) (attemptOutcome, error) {
	var (
		out *outgoing
		m   *Message
		sl  *seal
	)
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		d, r, err := claim(ctx, tx, job.Args.DeliveryID, s.o.Now(), s.o.SendingLease)
		if err != nil || d == nil {
			return err
		}
		if m, sl, err = s.compose(ctx, tx, d, r); err != nil {
			return err
		}
		out = &outgoing{Kind: r.Kind, Endpoint: r.Endpoint}
		return markSending(ctx, tx, d.ID, s.o.Now())
	})
	if errors.Is(err, errBusy) {
		return attemptOutcome{}, river.JobSnooze(s.o.SendingLease)
	}
	if err == nil && out == nil {
		return attemptOutcome{skip: true}, nil
	}
	if err == nil {
		out.Body, out.Signature, err = m.sign(sl)
	}
	if err == nil && out.Kind == SED {
		out.Body, out.Signature, err = m.sealEnvelope(out.Body, sl, s.o.Now())
	}
	sent := s.o.Now()
	if err == nil {
		switch out.Kind {
		case Trembita:
			err = s.call(ctx, out, m)
		case SED:
			err = s.postSED(ctx, out, m.MessageID)
		default:
			err = s.post(ctx, out, m.MessageID)
		}
	}
	switch {
	case err == nil:
		at := s.o.Now()
		return attemptOutcome{status: Delivered, sent: &sent, received: &at}, nil
	case errors.Is(err, errRefused) || job.Attempt >= job.MaxAttempts:
		s.o.Log.Warn("provsys: delivery failed for good", "delivery", job.Args.DeliveryID, "attempt", job.Attempt, "error", err)
		return attemptOutcome{status: Failed, errMsg: fmt.Sprintf("%d attempts: %v", job.Attempt, err), sent: &sent}, nil
	}
	s.o.Log.Info("provsys: delivery failed, will retry", "delivery", job.Args.DeliveryID, "attempt", job.Attempt, "error", err)
	if werr := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return setOutcome(ctx, tx, job.Args.DeliveryID, Retrying, err.Error(), nil, nil)
	}); werr != nil {
		return attemptOutcome{}, errors.Join(err, werr)
	}
	return attemptOutcome{}, err
}

// record writes the attempt's outcome in the transaction that completes
// its job.
func (s *Service) record(ctx context.Context, tx pgx.Tx, job *river.Job[SendArgs], o attemptOutcome) error {
	if o.skip {
		return nil
	}
	if err := setOutcome(ctx, tx, job.Args.DeliveryID, o.status, o.errMsg, o.sent, o.received); err != nil || o.status != Failed {
		return err
	}
	return s.alert(ctx, tx, job.Args.DeliveryID, o.errMsg)
}

// claim locks a delivery and its route. It returns nil when there is
// nothing to do (delivered, failed for good) and errBusy when another
// attempt holds it.
func claim(ctx context.Context, tx pgx.Tx, id any, now time.Time, lease time.Duration) (*Delivery, *Route, error) {
	d, err := scanDelivery(tx.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM provsys_deliveries WHERE id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	switch d.Status {
	case Delivered, Failed:
		return nil, nil, nil
	case Sending:
		var updated time.Time
		if err := tx.QueryRow(ctx, `SELECT updated_at FROM provsys_deliveries WHERE id = $1`, id).Scan(&updated); err != nil {
			return nil, nil, err
		}
		if now.Sub(updated) < lease {
			return nil, nil, errBusy
		}
	}
	r, err := routeByID(ctx, tx, d.RouteID)
	return d, r, err
}

// errRefused: the system answered 4xx, which no retry cures.
var errRefused = errors.New("provsys: the system refused the message")

// post sends a message to a webhook. 2xx is the system's receipt.
func (s *Service) post(ctx context.Context, out *outgoing, messageID string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, out.Endpoint, bytes.NewReader(out.Body))
	if err != nil {
		return fmt.Errorf("%w: %v", errRefused, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderMessageID, messageID)
	req.Header.Set(HeaderSignature, base64.StdEncoding.EncodeToString(out.Signature))
	resp, err := s.o.HTTP.Do(req)
	if errors.Is(err, egress.ErrRefused) {
		// The address is off-limits: no retry makes it allowed.
		return fmt.Errorf("%w: %w", errRefused, err)
	}
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode/100 == 2:
		return nil
	case resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests:
		return fmt.Errorf("%w: %d %s", errRefused, resp.StatusCode, body)
	}
	return fmt.Errorf("provsys: the system answered %d %s", resp.StatusCode, body)
}

// The headers of a webhook and of a callback.
const (
	HeaderMessageID = "X-Hromada-Message-Id"
	HeaderSignature = "X-Hromada-Signature" // base64 of the detached CMS over the body
)
