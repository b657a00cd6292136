package provsys

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/applications"
	"hromada/modules/catalog"
	"hromada/modules/documents"
	"hromada/modules/signature"
	"hromada/tenant"
)

// Message is what a system receives: the body is its canonical JSON
// (signature.Canonical), and the detached CAdES signature over those bytes
// travels beside it (the X-Hromada-Signature header, or the pull API's
// "signature"), made with the provider's e-seal.
type Message struct {
	MessageID   string            `json:"message_id"`
	Kind        string            `json:"kind"` // application | answer | test
	City        string            `json:"city"`
	SentAt      string            `json:"sent_at"`
	Application *Handed           `json:"application,omitempty"`
	Answer      string            `json:"answer,omitempty"`
	Attachments []Attachment      `json:"attachments"`
	Test        map[string]any    `json:"test,omitempty"`
	Extra       map[string]string `json:"extra,omitempty"`

	// subject is the applicant's РНОКПП and purpose the service's code:
	// what a Trembita call declares of the personal data it carries (the
	// registries' accountable log keeps both). Not part of the body.
	subject, purpose string
	// parties are the sender and the recipient a СЕД envelope names.
	parties *parties
}

// Handed is the application in a message.
type Handed struct {
	ID         string `json:"id"`
	Number     string `json:"number"`
	Service    string `json:"service"`
	Provider   string `json:"provider"`
	Status     string `json:"status"`
	ReceivedAt string `json:"received_at,omitempty"`
	DueOn      string `json:"due_on,omitempty"`
	// Canonical is the bytes the resident signed and Signature their
	// detached CMS over them (base64 in the JSON).
	Canonical []byte `json:"canonical"`
	Signature []byte `json:"signature"`
}

// Attachment is a file by reference: a link valid for LinkTTL and the
// SHA-256 its bytes must have.
type Attachment struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"` // attachment | answer
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	URL         string `json:"url"`
}

// LinkTTL is how long an attachment's link works.
const LinkTTL = time.Hour

// outgoing is a composed message, signed, ready to go by its route.
type outgoing struct {
	Body, Signature []byte
	Kind            Kind
	Endpoint        string
}

// seal is a provider's signing key and certificate chain.
type seal struct {
	key   crypto.Signer
	chain []*x509.Certificate
}

// compose reads what a delivery sends, in tx: the application and its
// files, the provider's seal. The message is signed after the
// transaction (sign), so the seal's signer holds no connection.
func (s *Service) compose(ctx context.Context, tx pgx.Tx, d *Delivery, r *Route) (*Message, *seal, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, nil, err
	}
	m := &Message{MessageID: d.MessageID, Kind: d.Kind, City: t.Slug, SentAt: s.o.Now().UTC().Format(time.RFC3339), Attachments: []Attachment{}}
	p, err := deliveryPayload(ctx, tx, d.ID)
	if err != nil {
		return nil, nil, err
	}
	if d.Kind == "test" {
		m.Test = p
	}
	if d.Application != nil {
		h, err := applications.Handed(ctx, tx, *d.Application)
		if err != nil {
			return nil, nil, err
		}
		a := h.App
		m.subject, m.purpose = a.RNOKPP, a.ServiceCode
		m.Application = &Handed{ID: a.ID.String(), Number: a.Number, Service: a.ServiceCode, Provider: a.ProviderName.UK, Status: string(a.Status),
			Canonical: a.Canonical, Signature: a.Signature}
		if a.ReceivedAt != nil {
			m.Application.ReceivedAt = a.ReceivedAt.UTC().Format(time.RFC3339)
		}
		if a.DueOn != nil {
			m.Application.DueOn = a.DueOn.Format(time.DateOnly)
		}
		if d.Kind == "answer" {
			m.Answer = h.Answer
		}
		exp := s.o.Now().Add(LinkTTL)
		for _, f := range h.Files {
			m.Attachments = append(m.Attachments, Attachment{ID: f.ID.String(), Kind: f.Kind, Name: f.Name, ContentType: f.ContentType, Size: f.Size,
				SHA256: f.SHA256, URL: s.fileLink(t, a.ID, f.ID, exp)})
		}
	}
	if r.Kind == SED {
		p, err := catalog.ProviderByID(ctx, tx, r.ProviderID)
		if err != nil {
			return nil, nil, err
		}
		m.parties = &parties{FromName: t.Name, FromSys: SystemID(t), ToName: p.Name.UK, ToEDRPOU: p.EDRPOU}
	}
	key, chain, err := documents.ActiveSeal(ctx, tx, s.o.Sealer, r.ProviderID)
	if err != nil {
		return nil, nil, fmt.Errorf("provsys: the seal of provider %s: %w", r.ProviderID, err)
	}
	return m, &seal{key: key, chain: chain}, nil
}

// sign makes the message's canonical bytes and their detached CAdES
// signature with the seal.
func (m *Message) sign(sl *seal) ([]byte, []byte, error) {
	body, err := signature.Canonical(m)
	if err != nil {
		return nil, nil, err
	}
	cms, err := signature.SignDetached(body, sl.chain[0], sl.key)
	return body, cms, err
}

// fileLink is an attachment's link: valid until exp, signed with FileKey.
func (s *Service) fileLink(t *tenant.Tenant, app, file uuid.UUID, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	return s.o.PortalURL(t) + FilesPath + app.String() + "/" + file.String() + "?" + url.Values{"exp": {e}, "sig": {s.linkMAC(t.ID, app, file, e)}}.Encode()
}

func (s *Service) linkMAC(tn, app, file uuid.UUID, exp string) string {
	m := hmac.New(sha256.New, s.o.FileKey)
	m.Write([]byte(tn.String() + "/" + app.String() + "/" + file.String() + "/" + exp))
	return hex.EncodeToString(m.Sum(nil))
}

// ErrLink is a link that is not ours or has expired.
var ErrLink = errors.New("provsys: the link is invalid or expired")

// File returns an attachment a link points at, checked against its
// SHA-256 (applications.Download): the link's signature and expiry
// stand for the system's credentials.
func (s *Service) File(ctx context.Context, app, file uuid.UUID, exp, sig string) (applications.File, []byte, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return applications.File{}, nil, err
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || s.o.Now().Unix() > n || !hmac.Equal([]byte(sig), []byte(s.linkMAC(t.ID, app, file, exp))) {
		return applications.File{}, nil, ErrLink
	}
	var f applications.File
	err = s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		f, _, err = applications.HandedFile(ctx, tx, app, file)
		return err
	})
	if err != nil {
		return f, nil, err
	}
	b, err := s.o.Apps.Download(ctx, f)
	return f, b, err
}
