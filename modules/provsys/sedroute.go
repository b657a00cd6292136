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

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/egress"
	"hromada/modules/applications"
	"hromada/modules/provsys/sed"
	"hromada/modules/signature"
	"hromada/tenant"
)

// parties are who a СЕД envelope is from and to: the city (its official
// name, and the platform's system id in the city) and the provider (its
// name and ЄДРПОУ).
type parties struct {
	FromName, FromSys, ToName, ToEDRPOU string
}

// SystemID is the platform's system id in a city's СЕД envelopes
// (from_sys_id): "hromada:" and the city's slug.
func SystemID(t *tenant.Tenant) string { return "hromada:" + t.Slug }

// The document kinds of the СЕД envelope's messages, by message kind.
var sedKinds = map[string]string{"application": "Заява", "answer": "Відповідь заявника на запит про уточнення", "test": "Тестове повідомлення"}

// envelope is the message as a document of the СЕВ ОВВ envelope: the
// message's canonical JSON (body, what a webhook gets) as its first file;
// for an application, the resident's signed bytes and their CMS as the
// document proper; the attachments by reference in Hromada's extension.
// It asks for the registration notice (msg_acknow 2).
func (m *Message) envelope(body []byte, now time.Time) *sed.Header {
	p := m.parties
	h := &sed.Header{Time: now.Format(time.RFC3339), MsgType: sed.TypeDocument, MsgID: m.MessageID, MsgAcknow: sed.AckRegistration,
		FromOrganization: p.FromName, FromSysID: p.FromSys, FromSystem: "Hromada", ToOrgID: p.ToEDRPOU, ToOrganization: p.ToName}
	d := &sed.Document{IDNumber: m.MessageID, Type: 1, Kind: sedKinds[m.Kind],
		RegNumber: sed.RegNumber{Number: m.MessageID, RegDate: now.Format(time.DateOnly)},
		Addressee: &sed.Addressee{Organization: sed.Organization{Name: p.ToName, OrgID: p.ToEDRPOU}}}
	h.DocTransfers = []sed.DocTransfer{{IDNumber: "message", Type: "json", Description: "Повідомлення платформи (docs/integrations.md)", Content: body}}
	if a := m.Application; a != nil {
		d.IDNumber, d.Annotation = a.ID, a.Service+" · "+a.Number
		d.RegNumber = sed.RegNumber{Number: a.Number, RegDate: now.Format(time.DateOnly)}
		if at, err := time.Parse(time.RFC3339, a.ReceivedAt); err == nil {
			d.RegNumber.RegDate = at.Format(time.DateOnly)
		}
		h.DocTransfers = append(h.DocTransfers,
			sed.DocTransfer{IDNumber: "application", Type: "json", Description: "Заява, підписана заявником", Content: a.Canonical},
			sed.DocTransfer{IDNumber: "application-signature", Type: "p7s", Description: "Підпис заявника (CAdES)", Content: a.Signature})
	}
	h.Document = d
	if len(m.Attachments) > 0 {
		x := &sed.Expansion{Organization: sed.ExpansionOrg, ExpVer: "1"}
		for _, f := range m.Attachments {
			x.Attachments = append(x.Attachments, sed.Attachment{Name: f.Name, SHA256: f.SHA256, URL: f.URL})
		}
		h.Expansion = x
	}
	return h
}

// sealEnvelope makes the СЕД envelope of a signed message and seals the
// envelope's bytes as the webhook's body is sealed.
func (m *Message) sealEnvelope(body []byte, sl *seal, now time.Time) ([]byte, []byte, error) {
	if m.parties == nil {
		return nil, nil, errors.New("provsys: a СЕД message without its parties")
	}
	x, err := sed.Marshal(m.envelope(body, now))
	if err != nil {
		return nil, nil, err
	}
	cms, err := signature.SignDetached(x, sl.chain[0], sl.key)
	return x, cms, err
}

// postSED sends an envelope to a СЕД. Its receipt is the delivery notice
// (ack_type 1) for the message, in the same envelope; a notice with an
// error code, or a 4xx, is the СЕД refusing it.
func (s *Service) postSED(ctx context.Context, out *outgoing, messageID string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, out.Endpoint, bytes.NewReader(out.Body))
	if err != nil {
		return fmt.Errorf("%w: %v", errRefused, err)
	}
	req.Header.Set("Content-Type", "application/xml")
	req.Header.Set(HeaderMessageID, messageID)
	req.Header.Set(HeaderSignature, base64.StdEncoding.EncodeToString(out.Signature))
	resp, err := s.o.HTTP.Do(req)
	if errors.Is(err, egress.ErrRefused) {
		return fmt.Errorf("%w: %w", errRefused, err)
	}
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests:
		return fmt.Errorf("%w: %d %s", errRefused, resp.StatusCode, truncate(string(body), 200))
	case resp.StatusCode/100 != 2:
		return fmt.Errorf("provsys: the СЕД answered %d %s", resp.StatusCode, truncate(string(body), 200))
	}
	n, err := sed.Parse(body)
	if err != nil {
		return fmt.Errorf("provsys: the СЕД's answer: %w", err)
	}
	a := n.Acknowledgement
	switch {
	case n.MsgType != sed.TypeNotice || a.MsgID != messageID:
		return fmt.Errorf("provsys: the СЕД's answer is no notice of %q", messageID)
	case a.AckResult.ErrorCode != 0:
		return fmt.Errorf("%w: the СЕД: %d %s", errRefused, a.AckResult.ErrorCode, truncate(a.AckResult.Text, 200))
	}
	return nil
}

// ReceiveSED takes an envelope a СЕД sent through the provider API, body
// sealed by cms with the system's registered certificate. A registration
// notice (ack_type 2) of one of the route's messages records the number
// and date the СЕД registered it under; a document that answers an
// application (Referred: the application's id) with Hromada's extension's
// decision, a PDF and its detached signature is the application's result,
// taken as a result callback is. The checks are the callbacks': the seal,
// the time, the message id seen once; whatever fails changes nothing and
// is logged. The answer is the delivery notice of the envelope.
func (s *Service) ReceiveSED(ctx context.Context, r *Route, body, cms []byte) (*sed.Header, error) {
	h, app, err := s.takeSED(ctx, r, body, cms)
	if err != nil {
		msgID, kind := "", "sed"
		if h != nil {
			msgID = h.MsgID
		}
		if lerr := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			_, err := recordCallback(ctx, tx, &r.ID, msgID, app, kind, "refused", err.Error())
			return err
		}); lerr != nil {
			return nil, errors.Join(err, lerr)
		}
		return nil, err
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	return sed.Notice(h, SystemID(t), t.Name, s.o.Now(), nil), nil
}

// takeSED checks an envelope and makes its change; h and app are what
// could be read of it, for the log.
func (s *Service) takeSED(ctx context.Context, r *Route, body, cms []byte) (h *sed.Header, app *uuid.UUID, err error) {
	if err := s.signedBySystem(r, body, cms); err != nil {
		return nil, nil, err
	}
	if h, err = sed.Parse(body); err != nil {
		return nil, nil, ErrMessage.Wrap(err)
	}
	if err := s.fresh(ctx, r, h.At(), h.MsgID); err != nil {
		return h, nil, err
	}
	if h.MsgType == sed.TypeNotice {
		return h, nil, s.registered(ctx, r, h)
	}
	d := h.Document
	if d.Referred == nil {
		return h, nil, ErrMessage.Wrap(errors.New("an incoming document answers no application (Referred)"))
	}
	id, perr := uuid.Parse(d.Referred.IDNumber)
	if perr != nil {
		return h, nil, ErrMessage.Wrap(perr)
	}
	app = &id
	pdf, okPDF := h.File("pdf")
	sig, okSig := h.File("p7s")
	if h.Expansion == nil || h.Expansion.Decision == "" || !okPDF || !okSig {
		return h, app, ErrMessage.Wrap(errors.New("an incoming document without a decision, a PDF and its signature"))
	}
	c := &Callback{MessageID: h.MsgID, Application: id.String(), Kind: "result", Decision: h.Expansion.Decision, Grounds: h.Expansion.Grounds,
		Document: &ResultDocument{Title: d.Kind, Name: "document.pdf", PDF: pdf, Signature: sig}}
	if d.Annotation != "" {
		c.Document.Title = d.Annotation
	}
	if a := d.Author; a != nil && a.Organization.Official != nil {
		c.Position, c.FullName = a.Organization.Official.Official.Position, a.Organization.Official.Name
	}
	return h, app, s.apply(ctx, r, app, c)
}

// registered records a СЕД's notice about one of the route's messages: a
// registration, or a refusal (the delivery fails, and is alerted).
func (s *Service) registered(ctx context.Context, r *Route, h *sed.Header) error {
	a := h.Acknowledgement
	return s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		fresh, err := recordCallback(ctx, tx, &r.ID, h.MsgID, nil, "sed-notice", "accepted", "")
		if err != nil {
			return err
		}
		if !fresh {
			return ErrReplay
		}
		d, err := scanDelivery(tx.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM provsys_deliveries WHERE route_id = $1 AND message_id = $2 FOR UPDATE`,
			r.ID, a.MsgID))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		now := s.o.Now()
		switch {
		case a.AckResult.ErrorCode != 0:
			why := fmt.Sprintf("the СЕД refused it: %d %s", a.AckResult.ErrorCode, a.AckResult.Text)
			if err := setOutcome(ctx, tx, d.ID, Failed, why, nil, nil); err != nil {
				return err
			}
			return s.alert(ctx, tx, d.ID, why)
		case a.AckType == sed.NoticeRegistered:
			date, err := time.Parse(time.DateOnly, a.RegNumber.RegDate)
			if err != nil {
				return ErrMessage.Wrap(err)
			}
			if _, err := setRegistered(ctx, tx, r.ID, a.MsgID, a.RegNumber.Number, date, now); err != nil {
				return err
			}
			return s.takenBySED(ctx, tx, r, d, a.RegNumber)
		}
		return setOutcome(ctx, tx, d.ID, Delivered, "", &now, &now)
	})
}

// takenBySED: an application (or the applicant's answer) registered in the
// provider's СЕД is in the provider's work, as a status callback
// "in_review" says, with the СЕД's number in the history. One already
// moved on is left as it is.
func (s *Service) takenBySED(ctx context.Context, tx pgx.Tx, r *Route, d *Delivery, reg *sed.RegNumber) error {
	if d.Application == nil {
		return nil
	}
	h, err := applications.Handed(ctx, tx, *d.Application)
	if err != nil {
		return err
	}
	if st := h.App.Status; st != applications.Received && st != applications.Resubmitted {
		return nil
	}
	return s.o.Apps.MoveBySystem(ctx, tx, *d.Application, applications.SystemAct{Provider: r.ProviderID, System: SystemName, To: applications.InReview,
		Comment: fmt.Sprintf("Зареєстровано в системі електронного документообігу надавача за № %s від %s", reg.Number, reg.RegDate)})
}
