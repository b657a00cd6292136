// Package sed is the XML envelope Ukrainian document management systems
// (СЕД) exchange official documents in, through the system of electronic
// interaction of executive bodies (СЕВ ОВВ, seed 000 §5.11): the «Формат
// електронного повідомлення» of the «Вимоги до форматів даних
// електронного документообігу в органах державної влади» (order No. 1207
// of 20.10.2011, registered with the Ministry of Justice 15.11.2011 under
// No. 1306/20044, which the СЕВ ОВВ rules of CMU resolution No. 55 of
// 17.01.2018 rest on). docs/integrations.md says which of its parts Hromada
// uses and what is assumed.
//
// One message is one Header element: who sends it to whom (ЄДРПОУ codes,
// organisations' names, the systems' ids), the message's id, its type
// (a document, or a notice about one) and the notice it asks for. A
// document message carries the document's registration details (number,
// date), its author and addressee, the document it answers (Referred), and
// its files as DocTransfer elements (base64): the signed document and its
// detached CAdES signature. A notice (Acknowledgement) says a message was
// delivered (ack_type 1) or registered, with the recipient's registration
// number and date (ack_type 2), or refused (AckResult errorcode ≠ 0).
package sed

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Standard and Version are the Header's standart and version attributes.
const (
	Standard = "1207"
	Version  = "1.5"
)

// The message types (Header msg_type).
const (
	TypeNotice   = 0 // an Acknowledgement about another message
	TypeDocument = 1 // a document
)

// The notices a document asks for (Header msg_acknow).
const (
	AckNone         = 0
	AckDelivery     = 1 // a notice that it was delivered
	AckRegistration = 2 // and a notice that it was registered
)

// The kinds of notice (Acknowledgement ack_type).
const (
	NoticeDelivered  = 1
	NoticeRegistered = 2
)

// Header is a message.
type Header struct {
	XMLName          xml.Name `xml:"Header"`
	Standard         string   `xml:"standart,attr"`
	Version          string   `xml:"version,attr"`
	Time             string   `xml:"time,attr"` // RFC 3339
	MsgType          int      `xml:"msg_type,attr"`
	MsgID            string   `xml:"msg_id,attr"`
	MsgAcknow        int      `xml:"msg_acknow,attr"`
	FromOrgID        string   `xml:"from_org_id,attr,omitempty"` // the sender's ЄДРПОУ
	FromOrganization string   `xml:"from_organization,attr"`
	FromSysID        string   `xml:"from_sys_id,attr"`
	FromSystem       string   `xml:"from_system,attr,omitempty"`
	ToOrgID          string   `xml:"to_org_id,attr,omitempty"` // the recipient's ЄДРПОУ
	ToOrganization   string   `xml:"to_organization,attr"`
	ToSysID          string   `xml:"to_sys_id,attr,omitempty"`

	Document        *Document        `xml:"Document,omitempty"`
	DocTransfers    []DocTransfer    `xml:"DocTransfer,omitempty"`
	Acknowledgement *Acknowledgement `xml:"Acknowledgement,omitempty"`
	Expansion       *Expansion       `xml:"Expansion,omitempty"`
}

// Document is a document's details.
type Document struct {
	IDNumber   string     `xml:"idnumber,attr"` // the sender's id of the document
	Type       int        `xml:"type,attr"`     // 1: a document (not a draft)
	Kind       string     `xml:"kind,attr"`     // Заява, Лист, Рішення …
	Annotation string     `xml:"annotation,attr,omitempty"`
	RegNumber  RegNumber  `xml:"RegNumber"`
	Confident  Confident  `xml:"Confident"`
	Referred   *Referred  `xml:"Referred,omitempty"`
	Author     *Author    `xml:"Author,omitempty"`
	Addressee  *Addressee `xml:"Addressee,omitempty"`
}

// RegNumber is a registration number and its date (YYYY-MM-DD).
type RegNumber struct {
	RegDate string `xml:"regdate,attr"`
	Number  string `xml:",chardata"`
}

// Confident is the access restriction: flag 0, none (the exchange of
// documents with a restriction is out of the platform's scope).
type Confident struct {
	Flag int `xml:"flag,attr"`
}

// Referred is the document this one answers.
type Referred struct {
	IDNumber  string    `xml:"idnumber,attr"`
	RegNumber RegNumber `xml:"RegNumber"`
}

// Author is the organisation that made the document and the official who
// signed it.
type Author struct {
	Organization OrganizationWithSign `xml:"OrganizationWithSign"`
}

// OrganizationWithSign is an organisation and its signing official.
type OrganizationWithSign struct {
	Name     string          `xml:"organization_string,attr"`
	OrgID    string          `xml:"org_id,attr,omitempty"` // ЄДРПОУ
	Official *OfficialPerson `xml:"OfficialPersonWithSign,omitempty"`
}

// OfficialPerson is the official who signed: the name, and the position
// as the Official element's attribute.
type OfficialPerson struct {
	Name     string   `xml:"Name"`
	Official Official `xml:"Official"`
}

// Official is an official's position.
type Official struct {
	Position string `xml:"position,attr"`
}

// Addressee is the organisation the document is for.
type Addressee struct {
	Organization Organization `xml:"Organization"`
}

// Organization names an organisation.
type Organization struct {
	Name  string `xml:"organization_string,attr"`
	OrgID string `xml:"org_id,attr,omitempty"`
}

// DocTransfer is a file of the document, base64 in the XML.
type DocTransfer struct {
	IDNumber    string `xml:"idnumber,attr"`
	Type        string `xml:"type,attr"` // the file's extension: pdf, p7s, json
	Description string `xml:"description,attr"`
	Content     []byte `xml:",chardata"`
}

// Acknowledgement is a notice about the message MsgID.
type Acknowledgement struct {
	MsgID     string     `xml:"msg_id,attr"`
	AckType   int        `xml:"ack_type,attr"`
	RegNumber *RegNumber `xml:"RegNumber,omitempty"`
	AckResult AckResult  `xml:"AckResult"`
}

// AckResult is a notice's outcome: errorcode 0 is success, the text what
// went wrong otherwise.
type AckResult struct {
	ErrorCode int    `xml:"errorcode,attr"`
	Text      string `xml:",chardata"`
}

// Expansion is the extension zone: what the format has no element for,
// under the name of the organisation that defines it. Hromada's carries
// the decision of an application's result and the attachments by
// reference.
type Expansion struct {
	Organization string       `xml:"organization,attr"`
	ExpVer       string       `xml:"exp_ver,attr"`
	Decision     string       `xml:"Decision,omitempty"` // approved | refused
	Grounds      string       `xml:"Grounds,omitempty"`
	Attachments  []Attachment `xml:"Attachment,omitempty"`
}

// Attachment is a file by reference: its link and SHA-256.
type Attachment struct {
	Name   string `xml:"name,attr"`
	SHA256 string `xml:"sha256,attr"`
	URL    string `xml:"url,attr"`
}

// ExpansionOrg names Hromada's extension.
const ExpansionOrg = "Hromada"

// Marshal writes h with the standard and version set, as UTF-8 XML with
// its declaration. DocTransfer contents are base64.
func Marshal(h *Header) ([]byte, error) {
	c := *h
	c.Standard, c.Version = Standard, Version
	c.DocTransfers = make([]DocTransfer, len(h.DocTransfers))
	for i, d := range h.DocTransfers {
		d.Content = []byte(b64(d.Content))
		c.DocTransfers[i] = d
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(&c); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// ErrFormat is a message that is not a well-formed envelope of the
// format (the wrong root, standard, a missing part).
var ErrFormat = errors.New("sed: not an envelope of the format")

// MaxSkew is how far a message's time may be from the receiver's clock.
const MaxSkew = 5 * time.Minute

// Parse reads a message and checks what every message must have: the
// standard, an id, a sender, a time, and the part its type promises. The
// DocTransfer contents come back decoded.
func Parse(b []byte) (*Header, error) {
	var h Header
	dec := xml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	bad := func(format string, args ...any) (*Header, error) {
		return nil, fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
	}
	if h.Standard != Standard {
		return bad("standart %q, not %q", h.Standard, Standard)
	}
	if strings.TrimSpace(h.MsgID) == "" || strings.TrimSpace(h.FromSysID) == "" {
		return bad("no msg_id or from_sys_id")
	}
	if _, err := time.Parse(time.RFC3339, h.Time); err != nil {
		return bad("time %q", h.Time)
	}
	switch h.MsgType {
	case TypeNotice:
		if h.Acknowledgement == nil || h.Acknowledgement.MsgID == "" {
			return bad("a notice without its Acknowledgement")
		}
		if a := h.Acknowledgement; a.AckType == NoticeRegistered && a.AckResult.ErrorCode == 0 && (a.RegNumber == nil || a.RegNumber.Number == "") {
			return bad("a registration notice without the registration number")
		}
	case TypeDocument:
		if h.Document == nil || len(h.DocTransfers) == 0 {
			return bad("a document without its details or files")
		}
	default:
		return bad("msg_type %d", h.MsgType)
	}
	for i, d := range h.DocTransfers {
		raw, err := unb64(d.Content)
		if err != nil {
			return bad("DocTransfer %s: %v", d.IDNumber, err)
		}
		h.DocTransfers[i].Content = raw
	}
	return &h, nil
}

// File is the content of the DocTransfer of type typ (the first one).
func (h *Header) File(typ string) ([]byte, bool) {
	for _, d := range h.DocTransfers {
		if strings.EqualFold(d.Type, typ) {
			return d.Content, true
		}
	}
	return nil, false
}

// At is the message's time.
func (h *Header) At() time.Time {
	t, _ := time.Parse(time.RFC3339, h.Time)
	return t
}

// Notice is the Acknowledgement that answers h: delivered, or refused with
// why (errorcode 1).
func Notice(h *Header, sysID, organization string, now time.Time, refused error) *Header {
	a := &Acknowledgement{MsgID: h.MsgID, AckType: NoticeDelivered}
	if refused != nil {
		a.AckResult = AckResult{ErrorCode: 1, Text: refused.Error()}
	}
	return &Header{Time: now.Format(time.RFC3339), MsgType: TypeNotice, MsgID: h.MsgID + ":ack-1", MsgAcknow: AckNone,
		FromOrgID: h.ToOrgID, FromOrganization: organization, FromSysID: sysID, ToOrgID: h.FromOrgID,
		ToOrganization: h.FromOrganization, ToSysID: h.FromSysID, Acknowledgement: a}
}
