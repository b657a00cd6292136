package provsys_test

import (
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
	got := e.issuedBy(t, app.ID, rnokppO)
	require.Equal(t, "approved", got.Decision)
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
