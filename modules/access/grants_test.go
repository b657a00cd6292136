package access_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
	"hromada/tenant"
)

// otherService is a Service of "another process": its own pool.
func (b *testBundle) otherService(t *testing.T, opts *access.Options) *access.Service {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), b.db.AppDSN+"&pool_max_conns=4")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	if opts == nil {
		opts = &access.Options{}
	}
	if opts.Now == nil {
		opts.Now = b.clock.Now
	}
	return access.New(tenant.NewDB(pool), opts)
}

func TestGrantLifecycle(t *testing.T) {
	t.Parallel()

	t.Run("BlockRefusesTheNextRequestEverywhere", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		other := b.otherService(t, &access.Options{TTL: time.Hour}) // no Listen: grants are read per decision
		official := b.account(t)
		c, err := b.svc.Grant(b.ctx, b.admin, official, access.RoleOfficial, &b.provA, "заявка № 7 від 01.03.2026")
		require.NoError(t, err)
		require.Equal(t, "grant", c.Action)
		require.Equal(t, b.admin, c.Actor)
		require.Nil(t, c.Before)
		require.Equal(t, access.StatusActive, c.After.Status)
		require.Equal(t, &b.admin, c.After.GrantedBy)
		require.Equal(t, b.clock.Now(), c.After.GrantedAt.UTC())
		grant := c.After.ID
		scope := b.provA.String()
		require.True(t, b.allowed(t, b.svc, official, access.ObjApplications, access.ActProcess, scope))
		require.True(t, b.allowed(t, other, official, access.ObjApplications, access.ActProcess, scope))

		c, err = b.svc.Block(b.ctx, b.admin, grant, nil, "службове розслідування")
		require.NoError(t, err)
		require.Equal(t, access.StatusActive, c.Before.Status)
		require.Equal(t, access.StatusBlocked, c.After.Status)
		require.Nil(t, c.After.BlockedUntil)
		require.False(t, b.allowed(t, b.svc, official, access.ObjApplications, access.ActProcess, scope))
		require.False(t, b.allowed(t, other, official, access.ObjApplications, access.ActProcess, scope))
		require.True(t, b.allowed(t, other, official, access.ObjOwnProfile, access.ActRead, ""), "still a resident")

		b.clock.Add(365 * 24 * time.Hour)
		require.False(t, b.allowed(t, b.svc, official, access.ObjApplications, access.ActProcess, scope), "no end: blocked until unblocked")

		c, err = b.svc.Unblock(b.ctx, b.admin, grant, "розслідування завершено")
		require.NoError(t, err)
		require.Equal(t, access.StatusActive, c.After.Status)
		require.True(t, b.allowed(t, other, official, access.ObjApplications, access.ActProcess, scope))

		_, err = b.svc.Unblock(b.ctx, b.admin, grant, "ще раз")
		require.ErrorIs(t, err, access.ErrGrantState)

		c, err = b.svc.Revoke(b.ctx, b.admin, grant, "звільнення")
		require.NoError(t, err)
		require.Equal(t, access.StatusRevoked, c.After.Status)
		require.False(t, b.allowed(t, other, official, access.ObjApplications, access.ActProcess, scope))
		_, err = b.svc.Unblock(b.ctx, b.admin, grant, "помилка")
		require.ErrorIs(t, err, access.ErrGrantState)
		_, err = b.svc.Block(b.ctx, b.admin, grant, nil, "помилка")
		require.ErrorIs(t, err, access.ErrGrantState)
		_, err = b.svc.Revoke(b.ctx, b.admin, grant, "помилка")
		require.ErrorIs(t, err, access.ErrGrantState)

		// A revoked grant is history; access is granted anew.
		c, err = b.svc.Grant(b.ctx, b.admin, official, access.RoleOfficial, &b.provA, "заявка № 9")
		require.NoError(t, err)
		require.NotEqual(t, grant, c.After.ID)
		require.True(t, b.allowed(t, b.svc, official, access.ObjApplications, access.ActProcess, scope))
		_, err = b.svc.Grant(b.ctx, b.admin, official, access.RoleOfficial, &b.provA, "двічі")
		require.ErrorIs(t, err, access.ErrGrantExists)
	})

	t.Run("TemporaryBlockEnds", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		official := b.staff(t, access.RoleOfficial, &b.provA)
		scope := b.provA.String()
		_, err := b.svc.Block(b.ctx, b.admin, b.grants[official], ptr(b.clock.Now().Add(-time.Minute)), "минуле")
		require.ErrorIs(t, err, access.ErrBlockUntilPast)

		until := b.clock.Now().Add(time.Hour)
		c, err := b.svc.Block(b.ctx, b.admin, b.grants[official], &until, "відпустка")
		require.NoError(t, err)
		require.WithinDuration(t, until, *c.After.BlockedUntil, time.Microsecond)
		require.False(t, b.allowed(t, b.svc, official, access.ObjApplications, access.ActRead, scope))
		b.clock.Add(59 * time.Minute)
		require.False(t, b.allowed(t, b.svc, official, access.ObjApplications, access.ActRead, scope))
		b.clock.Add(2 * time.Minute)
		require.True(t, b.allowed(t, b.svc, official, access.ObjApplications, access.ActRead, scope), "the block has ended")

		list, err := b.svc.ListGrants(b.ctx, b.admin, access.GrantFilter{AccountID: &official})
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Equal(t, access.StatusBlocked, list[0].Status)
		require.True(t, list[0].EffectiveAt(b.clock.Now()))
	})

	t.Run("DismissalBlocksAtOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		head := b.staff(t, access.RoleProviderHead, &b.provA)
		headB := b.staff(t, access.RoleProviderHead, &b.provB)
		official := b.staff(t, access.RoleOfficial, &b.provA)
		scope := b.provA.String()

		_, err := b.svc.ReportDismissal(b.ctx, headB, b.grants[official])
		require.ErrorIs(t, err, access.ErrForbidden, "another provider's head")
		_, err = b.svc.ReportDismissal(b.ctx, b.admin, b.grants[official])
		require.ErrorIs(t, err, access.ErrForbidden, "the administrator blocks, not reports")
		_, err = b.svc.ReportDismissal(b.ctx, head, b.grants[b.admin])
		require.ErrorIs(t, err, access.ErrForbidden, "a tenant-wide grant is no provider's")
		_, err = b.svc.ReportDismissal(b.ctx, head, b.grants[head])
		require.ErrorIs(t, err, access.ErrSelf)

		require.True(t, b.allowed(t, b.svc, official, access.ObjApplications, access.ActProcess, scope))
		c, err := b.svc.ReportDismissal(b.ctx, head, b.grants[official])
		require.NoError(t, err)
		require.Equal(t, "dismissal", c.Action)
		require.Equal(t, head, c.Actor)
		require.Equal(t, access.StatusBlocked, c.After.Status)
		require.Nil(t, c.After.BlockedUntil)
		require.Equal(t, access.DismissalReason, c.After.Reason)
		require.Equal(t, &head, c.After.ChangedBy)
		require.False(t, b.allowed(t, b.svc, official, access.ObjApplications, access.ActProcess, scope))

		// The head may neither block nor unblock; the administrator revokes.
		_, err = b.svc.Unblock(b.ctx, head, b.grants[official], "помилка")
		require.ErrorIs(t, err, access.ErrForbidden)
		_, err = b.svc.Block(b.ctx, head, b.grants[official], nil, "ще")
		require.ErrorIs(t, err, access.ErrForbidden)
		_, err = b.svc.Revoke(b.ctx, b.admin, b.grants[official], "наказ про звільнення")
		require.NoError(t, err)
	})

	t.Run("Input", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		acc := b.account(t)
		for name, tc := range map[string]struct {
			role     string
			provider *uuid.UUID
			reason   string
			want     error
		}{
			"UnknownRole":      {"superuser", nil, "x", access.ErrUnknownRole},
			"ResidentIsNoRole": {access.RoleResident, nil, "x", access.ErrUnknownRole},
			"OfficialNeedsOne": {access.RoleOfficial, nil, "x", access.ErrProviderRequired},
			"HeadNeedsOne":     {access.RoleProviderHead, nil, "x", access.ErrProviderRequired},
			"AdminHasNone":     {access.RoleDispatcher, &b.provA, "x", access.ErrProviderNotAllowed},
			"NoReason":         {access.RoleDispatcher, nil, "  ", access.ErrReasonRequired},
			"ForeignProvider":  {access.RoleOfficial, ptr(uuid.New()), "x", access.ErrProviderNotFound},
		} {
			_, err := b.svc.Grant(b.ctx, b.admin, acc, tc.role, tc.provider, tc.reason)
			require.ErrorIsf(t, err, tc.want, name)
		}
		_, err := b.svc.Grant(b.ctx, b.admin, uuid.New(), access.RoleDispatcher, nil, "x")
		require.ErrorIs(t, err, access.ErrAccountNotFound)
		_, err = b.svc.Block(b.ctx, b.admin, uuid.New(), nil, "x")
		require.ErrorIs(t, err, access.ErrGrantNotFound)
		_, err = b.svc.Block(b.ctx, b.admin, b.grants[b.admin], nil, "")
		require.ErrorIs(t, err, access.ErrReasonRequired)
	})

	t.Run("ListGrantsByScope", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		head := b.staff(t, access.RoleProviderHead, &b.provA)
		offA := b.staff(t, access.RoleOfficial, &b.provA)
		offB := b.staff(t, access.RoleOfficial, &b.provB)
		auditor := b.staff(t, access.RoleAuditor, nil)

		all, err := b.svc.ListGrants(b.ctx, b.admin, access.GrantFilter{})
		require.NoError(t, err)
		require.Len(t, all, 5)
		seen, err := b.svc.ListGrants(b.ctx, auditor, access.GrantFilter{ProviderID: &b.provB})
		require.NoError(t, err)
		require.Len(t, seen, 1)
		require.Equal(t, offB, seen[0].AccountID)

		mine, err := b.svc.ListGrants(b.ctx, head, access.GrantFilter{})
		require.NoError(t, err)
		var accounts []uuid.UUID
		for _, g := range mine {
			accounts = append(accounts, g.AccountID)
		}
		require.ElementsMatch(t, []uuid.UUID{head, offA}, accounts)
		_, err = b.svc.ListGrants(b.ctx, head, access.GrantFilter{ProviderID: &b.provB})
		require.ErrorIs(t, err, access.ErrForbidden)
		_, err = b.svc.ListGrants(b.ctx, offA, access.GrantFilter{})
		require.ErrorIs(t, err, access.ErrForbidden)

		_, err = b.svc.Revoke(b.ctx, b.admin, b.grants[offB], "звільнення")
		require.NoError(t, err)
		live, err := b.svc.ListGrants(b.ctx, b.admin, access.GrantFilter{})
		require.NoError(t, err)
		require.Len(t, live, 4)
		withRevoked, err := b.svc.ListGrants(b.ctx, b.admin, access.GrantFilter{IncludeRevoked: true})
		require.NoError(t, err)
		require.Len(t, withRevoked, 5)
	})

	t.Run("RolesNow", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		official := b.staff(t, access.RoleOfficial, &b.provA)
		held, err := b.svc.HeldRoles(b.ctx, access.Subject{AccountID: official})
		require.NoError(t, err)
		require.ElementsMatch(t, []access.Held{{Role: access.RoleResident}, {Role: access.RoleOfficial, Provider: b.provA}}, held)
	})
}

// A grant in one tenant gives nothing in another, and one tenant's
// administrator cannot reach another's grants.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	a := setup(t)
	b := setupIn(t, a.db)
	official := a.staff(t, access.RoleOfficial, &a.provA)

	for _, obj := range access.Objects {
		for _, act := range access.Actions {
			require.Falsef(t, b.allowed(t, b.svc, a.admin, obj, act, ""), "A's administrator in B: %s %s", act, obj)
			require.Falsef(t, b.allowed(t, b.svc, official, obj, act, a.provA.String()), "A's official in B: %s %s", act, obj)
		}
	}
	require.True(t, a.allowed(t, a.svc, a.admin, access.ObjOfficials, access.ActGrant, ""))

	_, err := b.svc.Grant(b.ctx, a.admin, b.account(t), access.RoleDispatcher, nil, "чужий")
	require.ErrorIs(t, err, access.ErrForbidden)
	_, err = b.svc.Block(b.ctx, b.admin, a.grants[official], nil, "чужий")
	require.ErrorIs(t, err, access.ErrGrantNotFound)
	_, err = b.svc.Grant(b.ctx, b.admin, official, access.RoleDispatcher, nil, "чужий")
	require.ErrorIs(t, err, access.ErrAccountNotFound)
	_, err = b.svc.ListGrants(b.ctx, a.admin, access.GrantFilter{})
	require.ErrorIs(t, err, access.ErrForbidden)
	list, err := b.svc.ListGrants(b.ctx, b.admin, access.GrantFilter{IncludeRevoked: true})
	require.NoError(t, err)
	require.Len(t, list, 1, "only B's own administrator")
}

// GrantPerson registers the person and grants them access in one
// transaction: a refused grant leaves no account behind.
func TestGrantPerson(t *testing.T) {
	t.Parallel()
	b := setup(t)
	register := func(ctx context.Context, tx pgx.Tx, rnokpp, fullName string) (uuid.UUID, error) {
		var id uuid.UUID
		err := tx.QueryRow(ctx, `INSERT INTO accounts (tenant_id, id, rnokpp, full_name) VALUES (app_tenant_id(), $1, $2, $3)
			ON CONFLICT (tenant_id, rnokpp) DO UPDATE SET full_name = accounts.full_name RETURNING id`, uuid.New(), rnokpp, fullName).Scan(&id)
		return id, err
	}
	svc := access.New(b.db.App, &access.Options{Now: b.clock.Now, Log: tlog(t), Register: register})
	const rnokpp = "3012345678"
	accounts := func() (ids []uuid.UUID) {
		t.Helper()
		require.NoError(t, b.db.App.ReadTx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id FROM accounts WHERE rnokpp = $1`, rnokpp)
			if err != nil {
				return err
			}
			ids, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
			return err
		}))
		return ids
	}

	_, err := svc.GrantPerson(b.ctx, b.admin, rnokpp, "Нова Посадовиця", access.RoleOfficial, &b.provA, "")
	require.ErrorIs(t, err, access.ErrReasonRequired)
	require.Empty(t, accounts(), "a refused grant registers no one")

	c, err := svc.GrantPerson(b.ctx, b.admin, rnokpp, "Нова Посадовиця", access.RoleOfficial, &b.provA, "заявка № 3 від 01.03.2026")
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{c.After.AccountID}, accounts())
	require.Equal(t, access.RoleOfficial, c.After.Role)
	require.True(t, b.allowed(t, svc, c.After.AccountID, access.ObjApplications, access.ActProcess, b.provA.String()))
}
