package provsys_test

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/provsys"
	"hromada/modules/provsys/providersim"
	"hromada/modules/provsys/sed"
	"hromada/modules/signature"
)

// TestSEDRoundTrip is the СЕД exchange (seed 000 §5.11) through the
// route "sed": the application goes to the provider's document
// management system as a document in the СЕВ ОВВ envelope, sealed, with
// the resident's signed application in it; the СЕД's delivery notice is
// the receipt, and its registration notice (sent through the provider
// API) records the incoming number and date it registered it under, and
// takes the application into the provider's work. The
// СЕД then sends its outgoing letter, the decision signed by its
// official, as an incoming document that answers the application: the
// resident gets the result, and it verifies. A replayed notice, a forged
// envelope and a document that answers nothing change nothing.
func TestSEDRoundTrip(t *testing.T) {
	t.Parallel()
	e := setup(t)
	c := e.route(t, provsys.SED)
	app := e.submitted(t)
	msgID := app.ID.String() + ":application"

	d := e.settled(t, msgID)
	require.Equal(t, provsys.Delivered, d.Status)
	require.NotNil(t, d.ReceivedAt, "the delivery notice is the receipt")
	envs, numbers := e.sim.SEDMessages()
	require.Len(t, envs, 1)
	h := envs[msgID]
	require.Equal(t, sed.Standard, h.Standard)
	require.Equal(t, sed.AckRegistration, h.MsgAcknow, "it asks to be told of the registration")
	require.Equal(t, "37261172", h.ToOrgID)
	require.Equal(t, "Надавач А", h.ToOrganization)
	require.Equal(t, "hromada:"+e.tn.Slug, h.FromSysID)
	require.Equal(t, app.Number, h.Document.RegNumber.Number)
	require.Equal(t, "Заява", h.Document.Kind)
	signed, _ := fileOf(h, "application")
	require.Equal(t, app.Canonical, signed)
	cms, _ := fileOf(h, "application-signature")
	require.Equal(t, app.Signature, cms)
	require.Len(t, h.Expansion.Attachments, 1)
	require.Len(t, h.Expansion.Attachments[0].SHA256, 64)

	// The СЕД registers it, and says so; a replay changes nothing.
	reg := e.sim.Registration(msgID)
	body, err := sed.Marshal(reg)
	require.NoError(t, err)
	regCMS, err := signature.SignDetached(body, e.sim.Cert, e.sim.Key)
	require.NoError(t, err)
	code, notice, err := c.SendSEDRaw(body, regCMS)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, reg.MsgID, notice.Acknowledgement.MsgID)
	require.Equal(t, sed.NoticeDelivered, notice.Acknowledgement.AckType)
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM provsys_deliveries WHERE message_id = $1 AND reg_number = $2 AND registered_at IS NOT NULL`,
		msgID, numbers[msgID]))
	require.Equal(t, applications.InReview, e.status(t, app.ID), "registered by the provider: in its work")
	code, _, err = c.SendSEDRaw(body, regCMS)
	require.NoError(t, err)
	require.Equal(t, http.StatusConflict, code)

	// A forged envelope: sealed by another system.
	other, err := providersim.New(e.ca.Pool())
	require.NoError(t, err)
	forged := &providersim.Client{System: other, Base: c.Base, ClientID: c.ClientID, Secret: c.Secret, HTTP: c.HTTP}
	require.NoError(t, forged.Token())
	pdf := []byte("%PDF-1.4\n% Рішення\n%%EOF\n")
	cert, key, err := e.ca.Issue(rnokppO, nameO)
	require.NoError(t, err)
	sig, err := signature.SignDetached(pdf, cert, key)
	require.NoError(t, err)
	decision := e.sim.Decision(msgID, app.ID, "approved", "начальник відділу", nameO, pdf, sig)
	code, _, err = forged.SendSED(decision)
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, code)
	// A document that answers no application.
	stray := *decision
	strayDoc := *decision.Document
	strayDoc.Referred = nil
	stray.Document, stray.MsgID = &strayDoc, "stray-1"
	code, _, err = c.SendSED(&stray)
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, applications.InReview, e.status(t, app.ID))

	// The decision, as the СЕД's outgoing letter.
	code, notice, err = c.SendSED(decision)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, decision.MsgID, notice.Acknowledgement.MsgID)
	got, _, files, err := e.apps.Get(e.ctx, e.owner, app.ID)
	require.NoError(t, err)
	require.Equal(t, applications.Issued, got.Status)
	require.Equal(t, "approved", got.Decision)
	var pdfFile, sigFile applications.File
	for _, f := range files {
		switch f.Kind {
		case "decision":
			pdfFile = f
		case "decision_signature":
			sigFile = f
		}
	}
	gotPDF, err := e.apps.Download(e.ctx, pdfFile)
	require.NoError(t, err)
	gotSig, err := e.apps.Download(e.ctx, sigFile)
	require.NoError(t, err)
	signer, err := signature.VerifyDetached(gotPDF, gotSig, signature.VerifyOptions{Roots: e.ca.Pool()})
	require.NoError(t, err)
	require.Equal(t, rnokppO, signer.RNOKPP)
	// accepted: the registration notice and the decision; refused: the
	// replay, the forgery and the stray document.
	require.Equal(t, 2, e.count(t, `SELECT count(*) FROM provsys_callbacks WHERE outcome = 'accepted'`))
	require.Equal(t, 3, e.count(t, `SELECT count(*) FROM provsys_callbacks WHERE outcome = 'refused'`))
}

// fileOf is the content of an envelope's DocTransfer by its id.
func fileOf(h *sed.Header, id string) ([]byte, bool) {
	for _, d := range h.DocTransfers {
		if d.IDNumber == id {
			return d.Content, true
		}
	}
	return nil, false
}

// TestSEDEnvelope: an envelope written and read back is the same; its
// files travel as base64 in the XML; what is not an envelope of the
// format (another standard, no id, a notice without its Acknowledgement,
// a registration without its number, a document without files) is
// refused.
func TestSEDEnvelope(t *testing.T) {
	t.Parallel()
	h := &sed.Header{Time: "2026-12-06T01:02:03Z", MsgType: sed.TypeDocument, MsgID: "m-1", MsgAcknow: sed.AckRegistration,
		FromOrganization: "Київська міська рада", FromSysID: "hromada:kyiv", ToOrgID: "37261172", ToOrganization: "Надавач А",
		Document:     &sed.Document{IDNumber: "d-1", Type: 1, Kind: "Заява", RegNumber: sed.RegNumber{Number: "2026-000001", RegDate: "2026-12-06"}},
		DocTransfers: []sed.DocTransfer{{IDNumber: "application", Type: "json", Description: "Заява", Content: []byte(`{"a":"б <&>"}`)}}}
	x, err := sed.Marshal(h)
	require.NoError(t, err)
	require.Contains(t, string(x), `standart="1207"`)
	require.Contains(t, string(x), base64.StdEncoding.EncodeToString([]byte(`{"a":"б <&>"}`)))
	back, err := sed.Parse(x)
	require.NoError(t, err)
	require.Equal(t, h.MsgID, back.MsgID)
	require.Equal(t, h.Document.RegNumber, back.Document.RegNumber)
	require.Equal(t, []byte(`{"a":"б <&>"}`), back.DocTransfers[0].Content)
	require.Equal(t, sed.Version, back.Version)

	for name, bad := range map[string]string{
		"AnotherStandard": `<Header standart="999" version="1.5" time="2026-12-06T01:02:03Z" msg_type="0" msg_id="x" from_sys_id="s" from_organization="o" to_organization="p"><Acknowledgement msg_id="m" ack_type="1"><AckResult errorcode="0"></AckResult></Acknowledgement></Header>`,
		"NoID":            `<Header standart="1207" version="1.5" time="2026-12-06T01:02:03Z" msg_type="0" msg_id="" from_sys_id="s" from_organization="o" to_organization="p"><Acknowledgement msg_id="m" ack_type="1"><AckResult errorcode="0"></AckResult></Acknowledgement></Header>`,
		"NoticeWithout":   `<Header standart="1207" version="1.5" time="2026-12-06T01:02:03Z" msg_type="0" msg_id="x" from_sys_id="s" from_organization="o" to_organization="p"></Header>`,
		"RegNoNumber":     `<Header standart="1207" version="1.5" time="2026-12-06T01:02:03Z" msg_type="0" msg_id="x" from_sys_id="s" from_organization="o" to_organization="p"><Acknowledgement msg_id="m" ack_type="2"><AckResult errorcode="0"></AckResult></Acknowledgement></Header>`,
		"DocNoFiles":      `<Header standart="1207" version="1.5" time="2026-12-06T01:02:03Z" msg_type="1" msg_id="x" from_sys_id="s" from_organization="o" to_organization="p"><Document idnumber="d" type="1" kind="Лист"><RegNumber regdate="2026-12-06">1</RegNumber><Confident flag="0"></Confident></Document></Header>`,
		"BadTime":         `<Header standart="1207" version="1.5" time="вчора" msg_type="0" msg_id="x" from_sys_id="s" from_organization="o" to_organization="p"><Acknowledgement msg_id="m" ack_type="1"><AckResult errorcode="0"></AckResult></Acknowledgement></Header>`,
		"NotXML":          `{"header": {}}`,
	} {
		_, err := sed.Parse([]byte(bad))
		require.ErrorIs(t, err, sed.ErrFormat, name)
	}
}
