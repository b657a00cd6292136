package providersim

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"

	"hromada/modules/provsys"
	"hromada/modules/provsys/sed"
	"hromada/modules/signature"
)

// SEDSysID is the simulated СЕД's system id in its envelopes.
const SEDSysID = "sed-sim"

// sedBook is what the simulated СЕД keeps: each message once, with the
// incoming number it registered it under.
type sedBook struct {
	messages map[string]*sed.Header
	numbers  map[string]string
}

// SED is the system playing a provider's document management system: it
// takes the platform's envelopes (the route "sed"), checks the platform's
// seal over the envelope and the resident's signature over the
// application in it, registers each message once under an incoming
// number, and answers the delivery notice.
func (s *System) SED() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		cms, err := base64.StdEncoding.DecodeString(r.Header.Get(provsys.HeaderSignature))
		if err == nil {
			_, err = signature.VerifyDetached(body, cms, signature.VerifyOptions{Roots: s.Roots, Seal: true})
		}
		if err != nil {
			http.Error(w, "the platform's seal: "+fmt.Sprint(err), http.StatusBadRequest)
			return
		}
		h, err := sed.Parse(body)
		if err == nil && h.MsgType != sed.TypeDocument {
			err = fmt.Errorf("msg_type %d: the СЕД takes documents", h.MsgType)
		}
		if err == nil {
			if doc, ok := h.File("json"); ok && h.DocTransfers[0].IDNumber == "message" {
				err = s.keep(doc) // sealed with the envelope
			}
		}
		if err == nil {
			err = residentSigned(h, s.Roots)
		}
		var notice *sed.Header
		if h != nil {
			notice = sed.Notice(h, SEDSysID, h.ToOrganization, time.Now(), err)
		}
		if notice == nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err == nil {
			s.mu.Lock()
			if s.sed.messages == nil {
				s.sed = sedBook{messages: map[string]*sed.Header{}, numbers: map[string]string{}}
			}
			if _, seen := s.sed.messages[h.MsgID]; !seen {
				s.sed.messages[h.MsgID] = h
				s.sed.numbers[h.MsgID] = fmt.Sprintf("вх-%d", len(s.sed.numbers)+1)
			}
			s.mu.Unlock()
		}
		out, merr := sed.Marshal(notice)
		if merr != nil {
			http.Error(w, merr.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write(out)
	})
}

// residentSigned checks the resident's signature over the application an
// envelope carries, if it carries one.
func residentSigned(h *sed.Header, roots *x509.CertPool) error {
	var app, sig []byte
	for _, d := range h.DocTransfers {
		switch d.IDNumber {
		case "application":
			app = d.Content
		case "application-signature":
			sig = d.Content
		}
	}
	if app == nil {
		return nil
	}
	_, err := signature.VerifyDetached(app, sig, signature.VerifyOptions{Roots: roots})
	if err != nil {
		return fmt.Errorf("the applicant's signature: %w", err)
	}
	return nil
}

// SEDMessages are the envelopes the СЕД took, once each, by message id,
// and the incoming numbers it registered them under.
func (s *System) SEDMessages() (map[string]*sed.Header, map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms, ns := map[string]*sed.Header{}, map[string]string{}
	for k, v := range s.sed.messages {
		ms[k], ns[k] = v, s.sed.numbers[k]
	}
	return ms, ns
}

// Registration is the СЕД's registration notice (ack_type 2) of the
// message msgID it took.
func (s *System) Registration(msgID string) *sed.Header {
	s.mu.Lock()
	h, number := s.sed.messages[msgID], s.sed.numbers[msgID]
	s.mu.Unlock()
	n := sed.Notice(h, SEDSysID, h.ToOrganization, time.Now(), nil)
	n.MsgID = "reg-" + uuid.NewString()
	n.Acknowledgement.AckType = sed.NoticeRegistered
	n.Acknowledgement.RegNumber = &sed.RegNumber{Number: number, RegDate: time.Now().Format(time.DateOnly)}
	return n
}

// Decision is the provider's outgoing letter that answers the application
// app (the envelope's document it took as msgID): the decision, its PDF
// and the official's detached signature.
func (s *System) Decision(msgID string, app uuid.UUID, decision, position, name string, pdf, sig []byte) *sed.Header {
	s.mu.Lock()
	in, number := s.sed.messages[msgID], s.sed.numbers[msgID]
	s.mu.Unlock()
	today := time.Now().Format(time.DateOnly)
	return &sed.Header{Time: time.Now().Format(time.RFC3339), MsgType: sed.TypeDocument, MsgID: "out-" + uuid.NewString(), MsgAcknow: sed.AckDelivery,
		FromOrgID: in.ToOrgID, FromOrganization: in.ToOrganization, FromSysID: SEDSysID, ToOrganization: in.FromOrganization, ToSysID: in.FromSysID,
		Document: &sed.Document{IDNumber: uuid.NewString(), Type: 1, Kind: "Рішення", Annotation: "Рішення за заявою " + in.Document.RegNumber.Number,
			RegNumber: sed.RegNumber{Number: "вих-" + number, RegDate: today},
			Referred:  &sed.Referred{IDNumber: app.String(), RegNumber: in.Document.RegNumber},
			Author: &sed.Author{Organization: sed.OrganizationWithSign{Name: in.ToOrganization, OrgID: in.ToOrgID,
				Official: &sed.OfficialPerson{Name: name, Official: sed.Official{Position: position}}}},
			Addressee: &sed.Addressee{Organization: sed.Organization{Name: in.FromOrganization}}},
		DocTransfers: []sed.DocTransfer{{IDNumber: "decision", Type: "pdf", Description: "Рішення", Content: pdf},
			{IDNumber: "decision-signature", Type: "p7s", Description: "Підпис посадової особи", Content: sig}},
		Expansion: &sed.Expansion{Organization: sed.ExpansionOrg, ExpVer: "1", Decision: decision}}
}

// SendSED seals an envelope with the system's key and posts it to the
// provider API; it returns the HTTP status and the notice it got back.
func (c *Client) SendSED(h *sed.Header) (int, *sed.Header, error) {
	body, err := sed.Marshal(h)
	if err != nil {
		return 0, nil, err
	}
	cms, err := signature.SignDetached(body, c.System.Cert, c.System.Key)
	if err != nil {
		return 0, nil, err
	}
	return c.SendSEDRaw(body, cms)
}

// SendSEDRaw posts an envelope with a seal as given (a forged or replayed
// one).
func (c *Client) SendSEDRaw(body, cms []byte) (int, *sed.Header, error) {
	req, err := http.NewRequest(http.MethodPost, c.Base+provsys.APIPath+"/sed", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/xml")
	req.Header.Set(provsys.HeaderSignature, base64.StdEncoding.EncodeToString(cms))
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil, err
	}
	n, err := sed.Parse(b)
	return resp.StatusCode, n, err
}
