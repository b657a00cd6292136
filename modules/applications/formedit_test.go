package applications_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/forms"
)

// A new form version is proposed, refused when it does not compile,
// published by someone else only, and then used by new drafts while old
// applications keep their version.
func TestFormVersions(t *testing.T) {
	t.Parallel()
	e := setup(t)
	old := e.draft(t, e.o1, e.r1, "T-1")

	def := formDefinition()
	def.Layout[0].Fields[0].Label.UK = "ПІБ повністю"
	bad := forms.Definition{Schema: json.RawMessage(`{"type": "object", "properties": {"x": {"type": "string"}}}`),
		Layout: []forms.Section{{Title: txt("Крок"), Fields: []forms.Field{{Name: "y", Label: txt("Y")}}}}}

	var v *applications.FormVersion
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := applications.ProposeForm(ctx, tx, "T-1", bad, e.staff.AccountID)
		require.ErrorIs(t, err, forms.ErrInvalidDefinition, "a field the schema does not have")
		v, err = applications.ProposeForm(ctx, tx, "T-1", def, e.staff.AccountID)
		return err
	}))
	require.Equal(t, 2, v.Version)

	err := e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := applications.DecideForm(ctx, tx, v.ID, true, "", e.staff.AccountID)
		return err
	})
	require.ErrorIs(t, err, applications.ErrFormOwnPublish)
	err = e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := applications.DecideForm(ctx, tx, v.ID, false, " ", e.r2.AccountID)
		return err
	})
	require.ErrorIs(t, err, applications.ErrNeedComment, "returning needs a comment")
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := applications.DecideForm(ctx, tx, v.ID, true, "", e.r2.AccountID)
		return err
	}))
	err = e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := applications.DecideForm(ctx, tx, v.ID, false, "ні", e.r2.AccountID)
		return err
	})
	require.ErrorIs(t, err, applications.ErrFormDecided)

	// The old draft keeps version 1; a new person's draft gets version 2.
	again, _, _, err := e.svc.Get(e.ctx, e.o1, old.ID)
	require.NoError(t, err)
	require.Equal(t, 1, again.FormVersion)
	fresh := e.draft(t, e.o2, e.r2, "T-1")
	require.Equal(t, 2, fresh.FormVersion)
	f, err := e.svc.Form(e.ctx, fresh)
	require.NoError(t, err)
	require.Equal(t, "ПІБ повністю", f.Sections()[0].Fields[0].Label.UK)
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM service_forms f JOIN services s ON s.id = f.service_id WHERE s.code = 'T-1' AND f.status = 'published'`))
}

// A rule set is checked against the service's form and grounds, and
// published by someone other than its author.
func TestRuleVersions(t *testing.T) {
	t.Parallel()
	e := setup(t)
	rs := applications.RuleSet{
		Checks: []applications.Check{{Name: "residence", Lookup: "residence"}},
		Refuse: []applications.RefuseRule{{When: []applications.Cond{{Fact: "residence.found", Op: "eq", Value: false}}, Ground: refusalGround}},
		Require: []applications.Cond{{Fact: "residence.registered", Op: "eq", Value: true},
			{Fact: "form.rooms", Op: "gte", Value: 1}},
		Result: applications.ResultSpec{Title: txt("Витяг")},
	}
	bad := rs
	bad.Require = []applications.Cond{{Fact: "form.no_such_field", Op: "present"}}
	require.NoError(t, e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, _, err := applications.ProposeRules(ctx, tx, "T-1", bad, e.staff.AccountID)
		require.ErrorIs(t, err, applications.ErrRulesInvalid)
		id, ver, err := applications.ProposeRules(ctx, tx, "T-1", rs, e.staff.AccountID)
		require.NoError(t, err)
		require.Equal(t, 1, ver)
		_, _, err = applications.DecideRules(ctx, tx, id, true, "", e.staff.AccountID)
		require.ErrorIs(t, err, applications.ErrFormOwnPublish)
		status, code, err := applications.DecideRules(ctx, tx, id, true, "", e.r2.AccountID)
		require.NoError(t, err)
		require.Equal(t, "published", status)
		require.Equal(t, "T-1", code)
		return nil
	}))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM service_rules WHERE status = 'published'`))
}
