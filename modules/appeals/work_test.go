package appeals_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/appeals"
	"hromada/modules/documents/doctest"
	"hromada/modules/signature"
)

// TestWorkThread: the roads official takes the pothole, asks a question
// in a letter signed like the answer, the resident answers in the thread, the official answers with a letter
// signed inside the PDF and detached; the resident sees it answered and
// rates it once. Each side is told at each step.
func TestWorkThread(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.file(t, e.r1, pothole())
	off, res := e.as(e.roadsOff), e.as(e.r1)

	require.ErrorIs(t, e.svc.Ask(off, a.ID, "Яка глибина ями?"), appeals.ErrTransition, "taken first")
	require.NoError(t, e.svc.Take(off, a.ID))
	require.ErrorIs(t, e.svc.Take(off, a.ID), appeals.ErrTransition, "a second take changes nothing")
	require.NoError(t, e.svc.Ask(off, a.ID, "Яка глибина ями?"))
	require.Equal(t, 1, e.notices(t, e.r1.ID, "notify.appeal_question"))
	require.ErrorIs(t, e.svc.Reply(e.as(e.r2), a.ID, "чужа"), appeals.ErrNotFound, "another resident's appeal")
	require.NoError(t, e.svc.Reply(res, a.ID, "Близько 20 см, на смузі руху."))
	require.ErrorIs(t, e.svc.Reply(res, a.ID, "ще раз"), appeals.ErrTransition)
	require.Equal(t, 1, e.notices(t, e.roadsOff.ID, "notify.appeal_reply"))
	require.ErrorIs(t, e.svc.Rate(res, a.ID, 5), appeals.ErrTransition, "nothing to rate yet")

	require.NoError(t, e.svc.Answer(off, a.ID, "Яму залатано 10.03.2026 бригадою дільниці."))
	require.ErrorIs(t, e.svc.Answer(off, a.ID, "ще"), appeals.ErrTransition, "answered once")
	require.Equal(t, 1, e.notices(t, e.r1.ID, "notify.appeal_answered"))

	c, err := e.svc.Own(res, a.ID)
	require.NoError(t, err)
	require.Equal(t, appeals.Answered, c.Appeal.Status)
	var kinds []string
	for _, m := range c.Messages {
		kinds = append(kinds, m.Kind)
	}
	require.Equal(t, []string{"question", "reply", "answer"}, kinds)
	require.Len(t, c.Files, 4)

	// The question is a letter the official signed like the answer; the
	// thread's message links its PDF.
	lt, lsig := c.Files[0], c.Files[1]
	require.Equal(t, "letter", lt.Kind)
	require.Equal(t, "letter_signature", lsig.Kind)
	require.NotNil(t, c.Messages[0].File)
	require.Equal(t, lt.ID, *c.Messages[0].File)
	require.Nil(t, c.Messages[1].File, "the resident's reply is no letter")
	_, ltBody, err := e.svc.FileOf(res, a.ID, lt.ID, true)
	require.NoError(t, err)
	_, ltCMS, err := e.svc.FileOf(res, a.ID, lsig.ID, true)
	require.NoError(t, err)
	ltSigner, err := signature.VerifyDetached(ltBody, ltCMS, signature.VerifyOptions{WantRNOKPP: e.roadsOff.RNOKPP, Roots: e.roots()})
	require.NoError(t, err, "the letter's detached signature is the official's")
	require.Equal(t, e.roadsOff.RNOKPP, ltSigner.RNOKPP)
	require.Contains(t, string(ltBody), "/ByteRange", "signed inside the PDF")
	ltText := doctest.Text(t, ltBody)
	for _, want := range []string{"Лист щодо звернення", "Яка глибина ями?", e.roadsOff.Name, "Департамент транспортної інфраструктури", a.Number} {
		require.Contains(t, ltText, want)
	}

	pdf, p7s := c.Files[2], c.Files[3]
	require.Equal(t, "answer", pdf.Kind)
	_, body, err := e.svc.FileOf(res, a.ID, pdf.ID, true)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(body, []byte("%PDF-")))
	require.Contains(t, string(body), "/ByteRange", "signed inside the PDF")
	_, cms, err := e.svc.FileOf(res, a.ID, p7s.ID, true)
	require.NoError(t, err)
	signer, err := signature.VerifyDetached(body, cms, signature.VerifyOptions{WantRNOKPP: e.roadsOff.RNOKPP, Roots: e.roots()})
	require.NoError(t, err, "the detached signature is the official's, over the PDF")
	require.Equal(t, e.roadsOff.RNOKPP, signer.RNOKPP)
	_, _, err = e.svc.FileOf(e.as(e.r2), a.ID, pdf.ID, true)
	require.ErrorIs(t, err, appeals.ErrNotFound)

	require.ErrorIs(t, e.svc.Rate(res, a.ID, 6), appeals.ErrRating)
	require.NoError(t, e.svc.Rate(res, a.ID, 4))
	require.ErrorIs(t, e.svc.Rate(res, a.ID, 5), appeals.ErrTransition, "rated once")
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM appeals WHERE rating = 4`))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM audit_events WHERE object_id = $1 AND action = 'appeal.answer'`, a.ID.String()))
}

// TestForward: a provider that is not competent forwards within five days
// with a reason the resident is told; after five days it may not.
func TestForward(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.file(t, e.r1, pothole())
	off := e.as(e.roadsOff)
	require.ErrorIs(t, e.svc.Forward(off, a.ID, e.housing, " "), appeals.ErrNeedReason)
	e.clock(at(10, 9))
	require.NoError(t, e.svc.Forward(off, a.ID, e.housing, "Прибудинкова територія — житлове господарство"))
	require.Equal(t, 1, e.notices(t, e.r1.ID, "notify.appeal_forwarded"))
	require.Equal(t, 1, e.notices(t, e.housingOff.ID, "notify.appeal_new"))
	c, err := e.svc.Open(off, a.ID)
	require.NoError(t, err)
	require.Equal(t, e.housing, *c.Appeal.ProviderID)
	require.Equal(t, "forward", c.Messages[0].Kind)

	e.clock(now)
	b := e.file(t, e.r2, pothole())
	e.clock(at(11, 11)) // five days and an hour after it came
	require.ErrorIs(t, e.svc.Forward(off, b.ID, e.housing, "не наше"), appeals.ErrForwardLate)
}
