package provsys

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/applications"
	"hromada/modules/signature"
)

// Token is the OAuth client-credentials grant: a system's client id and
// secret for an access token valid tokenTTL.
func (s *Service) Token(ctx context.Context, clientID, secret string) (string, time.Duration, error) {
	sum := sha256.Sum256([]byte(secret))
	token := newSecret()
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		r, err := routeBySecret(ctx, tx, clientID, sum[:])
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrCredentials
		}
		if err != nil {
			return err
		}
		return insertToken(ctx, tx, token, r.ID, s.o.Now().Add(tokenTTL))
	})
	return token, tokenTTL, err
}

// Authenticate is the route an access token was issued to;
// ErrCredentials for an unknown or expired token.
func (s *Service) Authenticate(ctx context.Context, token string) (*Route, error) {
	var r *Route
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		r, err = routeByToken(ctx, tx, token, s.o.Now())
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrCredentials
		}
		return err
	})
	return r, err
}

// Callback is what a system sends back (docs/integrations.md).
type Callback struct {
	MessageID   string `json:"message_id"`
	Application string `json:"application_id"`
	SentAt      string `json:"sent_at"` // RFC 3339; refused when further than MaxSkew from now
	// Kind is "status" (Status "in_review"), "clarification" (Comment is
	// the question) or "result".
	Kind     string          `json:"kind"`
	Status   string          `json:"status,omitempty"`
	Comment  string          `json:"comment,omitempty"`
	Decision string          `json:"decision,omitempty"` // approved | refused
	Grounds  string          `json:"grounds,omitempty"`
	Position string          `json:"position,omitempty"`
	FullName string          `json:"full_name,omitempty"`
	Document *ResultDocument `json:"document,omitempty"`
}

// ResultDocument is a result: a PDF and its detached CAdES signature by
// an official of the provider or its seal (base64 in the JSON).
type ResultDocument struct {
	Title     string `json:"title"`
	Name      string `json:"name"`
	PDF       []byte `json:"pdf"`
	Signature []byte `json:"signature"`
}

// MaxSkew is how far a callback's sent_at may be from the platform's
// clock: an older one is a replay.
const MaxSkew = 5 * time.Minute

// SystemName is how an application's history names a provider's system.
const SystemName = "Інформаційна система надавача"

// Receive takes a callback of the system r, body signed by cms: it checks
// the signature against the system's registered certificate, the time and
// the message id, then moves the application through applications' state
// machine in the transaction that records the callback as accepted. A
// callback that fails any check changes nothing and is logged as refused.
func (s *Service) Receive(ctx context.Context, r *Route, body, cms []byte) error {
	var c Callback
	err := s.check(ctx, r, body, cms, &c)
	var app *uuid.UUID
	if id, perr := uuid.Parse(c.Application); perr == nil {
		app = &id
	}
	if err == nil {
		err = s.apply(ctx, r, app, &c)
	}
	if err != nil {
		if lerr := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			_, err := recordCallback(ctx, tx, &r.ID, c.MessageID, app, c.Kind, "refused", err.Error())
			return err
		}); lerr != nil {
			return errors.Join(err, lerr)
		}
	}
	return err
}

// check verifies a callback's signature, time and message id, and decodes
// it into c.
func (s *Service) check(ctx context.Context, r *Route, body, cms []byte, c *Callback) error {
	if err := s.signedBySystem(r, body, cms); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil || c.MessageID == "" {
		return ErrMessage.Wrap(err)
	}
	at, err := time.Parse(time.RFC3339, c.SentAt)
	if err != nil {
		return ErrMessage.Wrap(err)
	}
	return s.fresh(ctx, r, at, c.MessageID)
}

// signedBySystem checks that cms is a detached signature over body by the
// certificate registered for the system r.
func (s *Service) signedBySystem(r *Route, body, cms []byte) error {
	if r.Certificate == nil {
		return ErrSignature.Wrap(errors.New("no certificate registered"))
	}
	cert, err := x509.ParseCertificate(r.Certificate)
	if err != nil {
		return ErrSignature.Wrap(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	signer, err := signature.VerifyDetached(body, cms, signature.VerifyOptions{Roots: pool, Seal: true, At: s.o.Now})
	if err != nil {
		return ErrSignature.Wrap(err)
	}
	if !signer.Certificate.Equal(cert) {
		return ErrSignature.Wrap(errors.New("signed with another certificate than the system's"))
	}
	return nil
}

// fresh refuses a callback sent further than MaxSkew from now (ErrStale)
// or whose message id the system r had accepted (ErrReplay).
func (s *Service) fresh(ctx context.Context, r *Route, at time.Time, messageID string) error {
	if d := s.o.Now().Sub(at); d > MaxSkew || d < -MaxSkew {
		return ErrStale
	}
	return s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		seen, err := accepted(ctx, tx, r.ID, messageID)
		if err == nil && seen {
			return ErrReplay
		}
		return err
	})
}

// apply makes a checked callback's change.
func (s *Service) apply(ctx context.Context, r *Route, app *uuid.UUID, c *Callback) error {
	if app == nil {
		return ErrMessage
	}
	act := applications.SystemAct{Provider: r.ProviderID, System: SystemName, Comment: c.Comment}
	var res *applications.SystemResult
	switch c.Kind {
	case "status":
		if c.Status != string(applications.InReview) {
			return ErrMessage
		}
		act.To = applications.InReview
	case "clarification":
		act.To = applications.Clarification
	case "result":
		if c.Document == nil {
			return ErrMessage
		}
		// Verified and stored before the transaction: the document store
		// and the trust list are slow parties, and a result that does not
		// verify changes nothing.
		doc, err := s.o.Apps.StoreSystemDocument(ctx, *app, c.Document.Title, c.Document.Name, c.Document.PDF, c.Document.Signature)
		if err != nil {
			return err
		}
		res = &applications.SystemResult{SystemAct: act, Decision: applications.Status(c.Decision), Grounds: c.Grounds,
			Position: c.Position, FullName: c.FullName, Document: doc}
	default:
		return ErrMessage
	}
	return s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		fresh, err := recordCallback(ctx, tx, &r.ID, c.MessageID, app, c.Kind, "accepted", "")
		if err != nil {
			return err
		}
		if !fresh {
			return ErrReplay
		}
		if res != nil {
			err = s.o.Apps.IssueBySystem(ctx, tx, *app, *res)
		} else {
			err = s.o.Apps.MoveBySystem(ctx, tx, *app, act)
		}
		return err
	})
}
