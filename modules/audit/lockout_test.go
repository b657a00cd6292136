package audit_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
	"hromada/modules/audit"
)

// A city's row of lockout_policies overrides the Service's policy field by
// field for its kind of key; a NULL column keeps the default, another kind
// of key the default policy.
func TestCityLockoutPolicy(t *testing.T) {
	t.Parallel()
	b := setupLockout(t, audit.Policy{})
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO lockout_policies (tenant_id, key_kind, threshold, base_delay_seconds) VALUES ($1, 'account', 2, 120)`, b.ten.ID)
		return err
	}))
	key := audit.AccountKey(uuid.NewString())
	require.True(t, b.fail(t, key).IsZero(), "one failure: not yet (the default would wait for five)")
	require.Equal(t, b.clock.In(2*time.Minute), b.fail(t, key), "the second locks for the city's two minutes")
	ip := audit.IPKey("198.51.100.9")
	for range 4 {
		require.True(t, b.fail(t, ip).IsZero(), "an address keeps the default policy: five")
	}
	require.False(t, b.fail(t, ip).IsZero())
	var p audit.Policy
	require.NoError(t, b.db.App.ReadTx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		p, err = audit.PolicyTx(&audit.Service{}, ctx, tx, b.ten.ID, key)
		return err
	}))
	require.Equal(t, audit.Policy{Threshold: 2, BaseDelay: 2 * time.Minute, MaxDelay: audit.DefaultPolicy.MaxDelay, Window: audit.DefaultPolicy.Window}, p)
}

// Denied records every refusal, and counts only state-changing requests
// and probes of objects outside the subject's scope.
func TestDeniedCountsProbesNotPageViews(t *testing.T) {
	t.Parallel()
	b := setupLockout(t, audit.Policy{Threshold: 3})
	sub := access.Subject{AccountID: uuid.New()}
	deny := func(method string, scope access.ScopeFunc, found string) {
		t.Helper()
		require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
			return b.svc.Denied(ctx, tx, access.Denial{Subject: sub, Method: method, Path: "/x", Scope: found,
				Perm: access.Perm{Object: access.ObjApplications, Action: access.ActRead, Scope: scope}})
		}))
	}
	key := audit.AccountKey(sub.AccountID.String())
	for range 5 {
		deny(http.MethodGet, nil, "")               // a page
		deny(http.MethodGet, access.ScopeQuery, "") // a page whose scope found nothing
	}
	_, locked := b.locked(t, key)
	require.False(t, locked, "page views do not lock")
	_, total := securityEvents(t, b.db, b.ctx, audit.SecurityFilter{Kind: audit.KindAccessDenied, Person: sub.AccountID})
	require.Equal(t, 10, total, "but are recorded")

	deny(http.MethodGet, access.ScopeQuery, uuid.NewString()) // a probe of another provider's object
	deny(http.MethodPost, nil, "")                            // a change
	_, locked = b.locked(t, key)
	require.False(t, locked)
	deny(http.MethodDelete, nil, "")
	_, locked = b.locked(t, key)
	require.True(t, locked, "the third counted denial locks")
	rows, _ := securityEvents(t, b.db, b.ctx, audit.SecurityFilter{Person: sub.AccountID})
	require.Equal(t, audit.KindLockout, rows[0].Kind, "the lockout is the person's event too")
	require.Equal(t, true, rows[1].Details["counted"])
}
