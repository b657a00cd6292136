package applications_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/uploads"
)

// TestLock: once signed, the database refuses (42501) changes to what was
// signed, the deletion of the application, of its files and of its
// history, whoever asks; the status still moves on.
func TestLock(t *testing.T) {
	t.Parallel()
	e := setup(t)
	app := e.draft(t, e.o1, e.r1, "T-1")
	e.attach(t, e.o1, app.ID, "pasport.pdf")
	got, _, err := e.svc.SignOnline(e.ctx, e.o1, e.r1, app.ID, "k")
	require.NoError(t, err)
	require.Equal(t, applications.Received, got.Status)
	id := app.ID

	for _, c := range []struct{ name, sql string }{
		{"data", `UPDATE applications SET data = '{"x":1}' WHERE id = $1`},
		{"data of one key", `UPDATE applications SET data = data || '{"rooms": 4}' WHERE id = $1`},
		{"canonical", `UPDATE applications SET canonical = '\x7b7d'::bytea WHERE id = $1`},
		{"signature", `UPDATE applications SET signature = '\x00'::bytea WHERE id = $1`},
		{"signer", `UPDATE applications SET signer_rnokpp = '2916002336' WHERE id = $1`},
		{"signed_at", `UPDATE applications SET signed_at = signed_at - interval '1 day' WHERE id = $1`},
		{"number", `UPDATE applications SET number = '2026-999999' WHERE id = $1`},
		{"idempotency key", `UPDATE applications SET idempotency_key = 'other' WHERE id = $1`},
		{"applicant", `UPDATE applications SET applicant_id = gen_random_uuid() WHERE id = $1`},
		{"edrpou", `UPDATE applications SET edrpou = '43215679' WHERE id = $1`},
		{"service", `UPDATE applications SET service_id = (SELECT id FROM services WHERE code = 'T-2') WHERE id = $1`},
		{"received_at", `UPDATE applications SET received_at = now() WHERE id = $1`},
		{"back to draft", `UPDATE applications SET status = 'draft' WHERE id = $1`},
		{"delete", `DELETE FROM applications WHERE id = $1`},
		{"update a file", `UPDATE application_files SET name = 'other.pdf' WHERE application_id = $1`},
		{"replace a file's bytes", `UPDATE application_files SET sha256 = repeat('0', 64) WHERE application_id = $1`},
		{"delete a file", `DELETE FROM application_files WHERE application_id = $1`},
		{"update the history", `UPDATE application_events SET comment = 'x' WHERE application_id = $1`},
		{"delete the history", `DELETE FROM application_events WHERE application_id = $1`},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := e.exec(c.sql, id)
			require.Error(t, err)
			require.Equal(t, "42501", sqlState(err), "%v", err)
		})
	}
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM application_files WHERE application_id = $1`, id))
	require.Equal(t, 2, e.count(t, `SELECT count(*) FROM application_events WHERE application_id = $1`, id))

	// The service refuses too.
	_, _, err = e.svc.SaveStep(e.ctx, e.o1, id, 0, step0(e.r1), true)
	require.ErrorIs(t, err, applications.ErrTransition)
	_, err = e.svc.Attach(e.ctx, e.o1, id, "more.pdf", strings.NewReader("%PDF-1.4\n"), uploads.Limits{})
	require.ErrorIs(t, err, applications.ErrTransition)
	_, _, files, err := e.svc.Get(e.ctx, e.o1, id)
	require.NoError(t, err)
	require.ErrorIs(t, e.svc.Detach(e.ctx, e.o1, id, files[0].ID), applications.ErrTransition)
	require.ErrorIs(t, e.svc.Discard(e.ctx, e.o1, id), applications.ErrTransition)

	// What is not signed still changes: the status, the assignee.
	require.NoError(t, e.svc.Take(e.ctx, e.staff, id))
	require.Equal(t, applications.InReview, e.status(t, e.o1, id))
	require.NoError(t, e.exec(`UPDATE applications SET assignee_id = NULL WHERE id = $1`, id))

	// A decision, once made, is locked as well.
	require.NoError(t, e.svc.Decide(e.ctx, e.staff, id, true, "", ""))
	for _, sql := range []string{
		`UPDATE applications SET decision = 'refused' WHERE id = $1`,
		`UPDATE applications SET grounds = 'інші' WHERE id = $1`,
		`UPDATE applications SET decided_by = gen_random_uuid() WHERE id = $1`,
		`UPDATE applications SET decided_at = now() WHERE id = $1`,
	} {
		err := e.exec(sql, id)
		require.Equal(t, "42501", sqlState(err), "%s: %v", sql, err)
	}

	// A draft is the resident's to change and to delete.
	dr := e.draft(t, e.o2, e.r2, "T-1")
	require.NoError(t, e.exec(`UPDATE applications SET data = '{"x":1}' WHERE id = $1`, dr.ID))
	require.NoError(t, e.exec(`UPDATE applications SET number = NULL, canonical = NULL WHERE id = $1`, dr.ID))
	up := e.attach(t, e.o2, dr.ID, "a.pdf")
	_, _, files, err = e.svc.Get(e.ctx, e.o2, dr.ID)
	require.NoError(t, err)
	require.Len(t, files, 1)
	require.Equal(t, up.SHA256, files[0].SHA256)
	require.NoError(t, e.svc.Detach(e.ctx, e.o2, dr.ID, files[0].ID))
	e.attach(t, e.o2, dr.ID, "b.pdf")
	require.NoError(t, e.svc.Discard(e.ctx, e.o2, dr.ID), "with its attachment")
	_, _, _, err = e.svc.Get(e.ctx, e.o2, dr.ID)
	require.ErrorIs(t, err, applications.ErrNotFound)
	require.Equal(t, 0, e.count(t, `SELECT count(*) FROM application_files WHERE application_id = $1`, dr.ID))

	dr2, err := e.svc.Start(e.ctx, e.o2, e.r2, "T-1")
	require.NoError(t, err)
	require.NoError(t, e.exec(`DELETE FROM applications WHERE id = $1`, dr2.ID))
}

// TestLockCoversAllSignedContent: everything the resident signed stays
// locked in the database (migrations/0010_applications.sql), including
//   - a new "attachment" row added to a signed application (it would show
//     among the signed attachments though the signature does not cover it);
//   - org_name, which is in the signed content (SignedContent.Applicant).
func TestLockCoversAllSignedContent(t *testing.T) {
	t.Parallel()
	e := setup(t)
	t.Run("attachment inserted after signing", func(t *testing.T) {
		app := e.submitted(t, e.o1, e.r1, "T-1")
		err := e.exec(`INSERT INTO application_files (tenant_id, id, application_id, kind, name, content_type, size, sha256, object_key)
			VALUES (app_tenant_id(), $1, $2, 'attachment', 'pidroblene.pdf', 'application/pdf', 1, repeat('0', 64), 'tenants/x/y')`, uuid.New(), app.ID)
		require.Equal(t, "42501", sqlState(err), "an attachment added after signing: %v", err)
	})
	t.Run("org_name changed after signing", func(t *testing.T) {
		org := applications.Owner{AccountID: e.r1.AccountID, EDRPOU: edrpou, OrgName: "ТОВ «Ромашка»"}
		app := e.submitted(t, org, e.r1, "T-2")
		require.Contains(t, string(app.Canonical), "ТОВ «Ромашка»")
		err := e.exec(`UPDATE applications SET org_name = 'ТОВ «Волошка»' WHERE id = $1`, app.ID)
		require.Equal(t, "42501", sqlState(err), "the signed organisation's name changed: %v", err)
	})
}
