package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/localpg"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

// A sign-in is audited; refused ones are security events that lock the
// address out after the threshold; the audit chain verifies from the
// command line and a tampered record is named.
func TestSignInAuditAndLockout(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{})
	kyiv := ta.newTenant(t, tenant.CreateParams{Slug: "kyiv", Name: "Київ"})
	ctx := tenant.With(t.Context(), kyiv)
	count := func(sql string, args ...any) int {
		var n int
		require.NoError(t, ta.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, sql, args...).Scan(&n)
		}))
		return n
	}

	signIn(t, ta, ta.client(t), "kyiv."+testBase, "resident")
	require.Equal(t, 1, count(`SELECT count(*) FROM audit_events WHERE action = 'identity.signin' AND ip = '127.0.0.1'`))

	// Forged answers from "the identity provider": each is a security event.
	c := ta.client(t)
	for range 5 {
		r := get(t, c, ta.url("kyiv."+testBase, "/auth/callback?code=x&state=y"))
		require.Equal(t, http.StatusBadRequest, r.status)
	}
	require.Equal(t, 5, count(`SELECT count(*) FROM security_events WHERE kind = 'signin_failed'`))
	// The threshold is met: sign-ins from this address are refused for now,
	// and the administrators are told.
	r := get(t, c, ta.url("kyiv."+testBase, "/auth/login/00000000-0000-7000-8000-00000000de01?return=/"))
	require.Equal(t, http.StatusForbidden, r.status)
	require.Contains(t, r.body, "Забагато невдалих спроб")
	require.Equal(t, 1, count(`SELECT count(*) FROM security_events WHERE kind = 'lockout'`))
	require.Equal(t, 1, count(`SELECT count(*) FROM outbox WHERE topic = 'security.lockout'`))

	// The chain verifies; a tampered record is found and named.
	env := map[string]string{
		"HROMADA_DATABASE_URL": ta.db.AppDSN, "HROMADA_OPERATOR_DATABASE_URL": ta.db.OperatorDSN,
		"HROMADA_DATA_DIR": t.TempDir(), "HROMADA_LOG_LEVEL": "warn",
	}
	code, out, errOut := runCLI(t, env, "audit", "verify", "--tenant", "kyiv")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "intact: 1 records")

	super, err := pgx.Connect(t.Context(), tenanttest.Cluster(t).DSN(localpg.Superuser, ta.db.Name))
	require.NoError(t, err)
	defer super.Close(t.Context())
	_, err = super.Exec(t.Context(), `SET session_replication_role = replica`)
	require.NoError(t, err)
	_, err = super.Exec(t.Context(), `UPDATE audit_events SET actor_name = 'Хтось інший' WHERE tenant_id = $1 AND seq = 1`, kyiv.ID)
	require.NoError(t, err)
	code, _, errOut = runCLI(t, env, "audit", "verify", "--tenant", "kyiv")
	require.Equal(t, exitFailed, code)
	require.Contains(t, errOut, "broken at record 1")

	code, _, _ = runCLI(t, env, "audit", "verify")
	require.Equal(t, exitUsage, code)
}
