package content_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/content"
)

// A resident's remark reaches the administrator's queue once however often
// it is sent, the answer reaches the resident's inbox once, and the quality
// figures are what the rows say.
func TestFeedbackAnswered(t *testing.T) {
	t.Parallel()
	e := setup(t)
	res, resID := e.person(t, "Мельник Ольга Петрівна")
	admin, _ := e.person(t, "Адміністратор Портал")

	_, err := e.svc.Send(res, &content.FeedbackForm{ID: uuid.NewString(), Kind: "complaint", Body: "  "})
	require.Equal(t, map[string]string{"kind": "content.error.feedback_kind", "body": "content.error.feedback_body"}, fieldKeys(t, err))
	_, err = e.svc.Send(res, &content.FeedbackForm{ID: uuid.NewString(), Kind: content.FeedbackRemark, Body: strings.Repeat("ж", 4001)})
	require.Equal(t, map[string]string{"body": "content.error.too_long"}, fieldKeys(t, err))
	require.Zero(t, e.count(t, `SELECT count(*) FROM portal_feedback`))

	f := &content.FeedbackForm{ID: uuid.NewString(), Kind: content.FeedbackRemark, About: "/search", Body: "Пошук не знаходить «паркування»."}
	first, err := e.svc.Send(res, f)
	require.NoError(t, err)
	again, err := e.svc.Send(res, f)
	require.NoError(t, err)
	require.Equal(t, first.Number, again.Number)
	require.EqualValues(t, 1, first.Number)
	e.now = e.now.Add(time.Hour)
	second, err := e.svc.Send(res, &content.FeedbackForm{ID: uuid.NewString(), Kind: content.FeedbackProposal, Body: "Додайте темну тему."})
	require.NoError(t, err)
	require.EqualValues(t, 2, second.Number)

	// Another person cannot take over a form's id.
	other, _ := e.person(t, "Інша Особа")
	_, err = e.svc.Send(other, f)
	require.Equal(t, map[string]string{"id": "content.error.form_stale"}, fieldKeys(t, err))

	e.now = e.now.Add(3 * time.Hour)
	require.ErrorIs(t, e.svc.Answer(admin, first.ID, " "), content.ErrAnswerEmpty)
	require.NoError(t, e.svc.Answer(admin, first.ID, "Дякуємо, виправили пошук."))
	require.NoError(t, e.svc.Answer(admin, first.ID, "Дякуємо, виправили пошук."), "the same answer again changes nothing")
	require.ErrorIs(t, e.svc.Answer(admin, first.ID, "Інша відповідь."), content.ErrAlreadyAnswers)
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM notifications WHERE account_id = $1 AND key = 'content.feedback_answered'`, resID))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM audit_events WHERE action = 'content.feedback.answer'`))

	mine, err := e.svc.Mine(res, resID)
	require.NoError(t, err)
	require.Len(t, mine, 2)
	require.Equal(t, "answered", mine[1].Status)
	require.Equal(t, "Дякуємо, виправили пошук.", mine[1].Answer)

	q, err := e.svc.Queue(admin)
	require.NoError(t, err)
	require.Equal(t, 1, q.Remarks)
	require.Equal(t, 1, q.Proposals)
	require.Equal(t, 1, q.Answered)
	require.Equal(t, 1, q.Waiting)
	require.Len(t, q.Unanswered, 1)
	require.Equal(t, second.ID, q.Unanswered[0].ID)
	// Sent at 10:00, answered at 14:00.
	require.InDelta(t, 4.0, q.MedianAnswerHours, 0.001)

	// The proposal, sent at 11:00, answered at 16:00: the median of 4 h
	// and 5 h.
	e.now = e.now.Add(2 * time.Hour)
	require.NoError(t, e.svc.Answer(admin, second.ID, "Плануємо на весну."))
	q, err = e.svc.Queue(admin)
	require.NoError(t, err)
	require.Zero(t, q.Waiting)
	require.Empty(t, q.Unanswered)
	require.InDelta(t, 4.5, q.MedianAnswerHours, 0.001)
}
