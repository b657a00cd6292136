package access

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The officials' access lifecycle (seed 003 §6): the administrator grants,
// blocks (also temporarily), unblocks and revokes access on the provider
// head's written request; the provider head reports a dismissal, which
// blocks at once (§6.8). Every change returns a Change for the audit log.

// Change describes one change of a grant, for the audit log.
type Change struct {
	Action string    // "grant", "bootstrap", "block", "unblock", "revoke" or "dismissal"
	Actor  uuid.UUID // uuid.Nil for Bootstrap (the platform)
	Before *Grant    // nil for a new grant
	After  Grant
}

// conflicts are the roles one account may not hold together (separation of
// duties): who administers access does not process applications, and the
// auditor is nobody else.
var conflicts = map[string][]string{
	RoleAdministrator: {RoleOfficial, RoleProviderHead, RoleAuditor},
	RoleAuditor:       {RoleOfficial, RoleProviderHead, RoleAdministrator, RoleDispatcher, RoleOwner},
	RoleOfficial:      {RoleAdministrator, RoleAuditor},
	RoleProviderHead:  {RoleAdministrator, RoleAuditor},
	RoleDispatcher:    {RoleAuditor},
	RoleOwner:         {RoleAuditor},
}

// DismissalReason is the reason recorded by ReportDismissal.
const DismissalReason = "Звільнення або втрата повноважень (повідомлення керівника надавача)"

func scopeOf(provider *uuid.UUID) string {
	if provider == nil {
		return ""
	}
	return provider.String()
}

// authorize refuses (ErrForbidden) unless actor may act on obj in scope.
func (s *Service) authorize(ctx context.Context, tx pgx.Tx, actor uuid.UUID, obj, act, scope string) error {
	ok, err := s.AllowedTx(ctx, tx, Subject{AccountID: actor}, obj, act, scope)
	if err != nil {
		return err
	}
	if !ok {
		return ErrForbidden
	}
	return nil
}

func checkGrantInput(role string, provider *uuid.UUID, reason string) error {
	args := map[string]any{"Role": role}
	switch {
	case role == RoleResident || !slices.Contains(Roles, role):
		return ErrUnknownRole.With(args)
	case ProviderScoped(role) && provider == nil:
		return ErrProviderRequired.With(args)
	case !ProviderScoped(role) && provider != nil:
		return ErrProviderNotAllowed.With(args)
	case strings.TrimSpace(reason) == "":
		return ErrReasonRequired
	}
	return nil
}

// Grant gives account role (at provider, for officials and provider heads)
// on actor's authority; reason names the written request. It refuses: an
// actor not allowed ObjOfficials/ActGrant at that scope (ErrForbidden), a
// grant to oneself (ErrSelf), an unknown or implicit role (ErrUnknownRole),
// a missing or superfluous provider (ErrProviderRequired,
// ErrProviderNotAllowed), an empty reason (ErrReasonRequired), an account or
// provider not of this tenant (ErrAccountNotFound, ErrProviderNotFound), a
// live grant of the same role there (ErrGrantExists), and a role that
// conflicts with one the account holds (ErrRoleConflict).
func (s *Service) Grant(ctx context.Context, actor, account uuid.UUID, role string, provider *uuid.UUID, reason string) (Change, error) {
	if err := checkGrantInput(role, provider, reason); err != nil {
		return Change{}, err
	}
	var c Change
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		c, err = s.grant(ctx, tx, actor, account, role, provider, reason)
		return err
	})
	return c, err
}

// GrantPerson grants role to the person with rnokpp, registering their
// account under fullName if they have never signed in (the Register of
// Options), in one transaction: a refused grant leaves no account behind.
// It refuses what Grant refuses, and what Register refuses (a malformed
// РНОКПП, no name).
func (s *Service) GrantPerson(ctx context.Context, actor uuid.UUID, rnokpp, fullName, role string, provider *uuid.UUID, reason string) (Change, error) {
	var c Change
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		account, err := s.registerTx(ctx, tx, rnokpp, fullName)
		if err != nil {
			return err
		}
		if err := checkGrantInput(role, provider, reason); err != nil {
			return err
		}
		c, err = s.grant(ctx, tx, actor, account, role, provider, reason)
		return err
	})
	return c, err
}

// grant is Grant inside tx, after checkGrantInput.
func (s *Service) grant(ctx context.Context, tx pgx.Tx, actor, account uuid.UUID, role string, provider *uuid.UUID, reason string) (Change, error) {
	if err := s.authorize(ctx, tx, actor, ObjOfficials, ActGrant, scopeOf(provider)); err != nil {
		return Change{}, err
	}
	if actor == account {
		return Change{}, ErrSelf
	}
	g, err := s.create(ctx, tx, &actor, account, role, provider, reason)
	if err != nil {
		return Change{}, err
	}
	c := Change{Action: "grant", Actor: actor, After: g}
	return c, s.changed(ctx, tx, c)
}

// registerTx finds or creates the account of a person being granted access.
func (s *Service) registerTx(ctx context.Context, tx pgx.Tx, rnokpp, fullName string) (uuid.UUID, error) {
	if s.register == nil {
		return uuid.Nil, errors.New("access: no Register to find the person's account")
	}
	return s.register(ctx, tx, rnokpp, fullName)
}

// Bootstrap grants role without an actor: the platform's path to a
// tenant's first administrator (and the demo cities' staff), for the
// operator's commands only — never mount it on a tenant's route. It checks
// everything Grant does but the actor.
func (s *Service) Bootstrap(ctx context.Context, account uuid.UUID, role string, provider *uuid.UUID, reason string) (Change, error) {
	if err := checkGrantInput(role, provider, reason); err != nil {
		return Change{}, err
	}
	var c Change
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		c, err = s.BootstrapTx(ctx, tx, account, role, provider, reason)
		return err
	})
	return c, err
}

// BootstrapTx is Bootstrap in the caller's transaction, for a job that
// completes in the same transaction as the grant it makes (the onboarding
// module's appointment of a city's first administrator).
func (s *Service) BootstrapTx(ctx context.Context, tx pgx.Tx, account uuid.UUID, role string, provider *uuid.UUID, reason string) (Change, error) {
	if err := checkGrantInput(role, provider, reason); err != nil {
		return Change{}, err
	}
	g, err := s.create(ctx, tx, nil, account, role, provider, reason)
	if err != nil {
		return Change{}, err
	}
	c := Change{Action: "bootstrap", After: g}
	return c, s.changed(ctx, tx, c)
}

func (s *Service) create(ctx context.Context, tx pgx.Tx, by *uuid.UUID, account uuid.UUID, role string, provider *uuid.UUID, reason string) (Grant, error) {
	if ok, err := exists(ctx, tx, "accounts", account); err != nil || !ok {
		if err == nil {
			err = ErrAccountNotFound
		}
		return Grant{}, err
	}
	if provider != nil {
		if ok, err := exists(ctx, tx, "providers", *provider); err != nil || !ok {
			if err == nil {
				err = ErrProviderNotFound
			}
			return Grant{}, err
		}
	}
	live, err := liveGrants(ctx, tx, account)
	if err != nil {
		return Grant{}, err
	}
	for _, g := range live {
		if g.Role == role && scopeOf(g.ProviderID) == scopeOf(provider) {
			return Grant{}, ErrGrantExists.With(map[string]any{"Role": role})
		}
		if slices.Contains(conflicts[role], g.Role) {
			return Grant{}, ErrRoleConflict.With(map[string]any{"Role": role, "Other": g.Role})
		}
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Grant{}, err
	}
	return insertGrant(ctx, tx, Grant{
		ID: id, AccountID: account, Role: role, ProviderID: provider,
		Reason: strings.TrimSpace(reason), GrantedBy: by, GrantedAt: s.now(),
	})
}

// change runs one state change of grant id: authorize act on ObjOfficials
// (or what check says), refuse the actor's own grant, then apply.
func (s *Service) change(ctx context.Context, actor, id uuid.UUID, action string, check func(ctx context.Context, tx pgx.Tx, g Grant) error,
	apply func(ctx context.Context, tx pgx.Tx, g Grant) (Grant, error)) (Change, error) {
	var c Change
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		g, err := grantForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := check(ctx, tx, g); err != nil {
			return err
		}
		if g.AccountID == actor {
			return ErrSelf
		}
		after, err := apply(ctx, tx, g)
		if err != nil {
			return err
		}
		c = Change{Action: action, Actor: actor, Before: &g, After: after}
		return s.changed(ctx, tx, c)
	})
	return c, err
}

// Block suspends grant id until until (nil: until unblocked), on actor's
// authority (ObjOfficials/ActBlock at the grant's provider). A blocked
// grant may be blocked again, to change its end. ErrSelf for the actor's
// own grant, ErrGrantState for a revoked one, ErrBlockUntilPast for an end
// that is not in the future, ErrReasonRequired for an empty reason.
func (s *Service) Block(ctx context.Context, actor, id uuid.UUID, until *time.Time, reason string) (Change, error) {
	if strings.TrimSpace(reason) == "" {
		return Change{}, ErrReasonRequired
	}
	if until != nil && !until.After(s.now()) {
		return Change{}, ErrBlockUntilPast
	}
	return s.change(ctx, actor, id, "block",
		func(ctx context.Context, tx pgx.Tx, g Grant) error {
			return s.authorize(ctx, tx, actor, ObjOfficials, ActBlock, scopeOf(g.ProviderID))
		},
		func(ctx context.Context, tx pgx.Tx, g Grant) (Grant, error) {
			if g.Status == StatusRevoked {
				return g, ErrGrantState
			}
			return updateGrant(ctx, tx, g.ID, StatusBlocked, until, strings.TrimSpace(reason), &actor, s.now())
		})
}

// Unblock restores a blocked grant (ObjOfficials/ActGrant at its provider:
// restoring access is granting it). ErrGrantState unless it is blocked.
func (s *Service) Unblock(ctx context.Context, actor, id uuid.UUID, reason string) (Change, error) {
	if strings.TrimSpace(reason) == "" {
		return Change{}, ErrReasonRequired
	}
	return s.change(ctx, actor, id, "unblock",
		func(ctx context.Context, tx pgx.Tx, g Grant) error {
			return s.authorize(ctx, tx, actor, ObjOfficials, ActGrant, scopeOf(g.ProviderID))
		},
		func(ctx context.Context, tx pgx.Tx, g Grant) (Grant, error) {
			if g.Status != StatusBlocked {
				return g, ErrGrantState
			}
			return updateGrant(ctx, tx, g.ID, StatusActive, nil, strings.TrimSpace(reason), &actor, s.now())
		})
}

// Revoke ends a grant for good (ObjOfficials/ActDelete at its provider).
// ErrGrantState when it is revoked already.
func (s *Service) Revoke(ctx context.Context, actor, id uuid.UUID, reason string) (Change, error) {
	if strings.TrimSpace(reason) == "" {
		return Change{}, ErrReasonRequired
	}
	return s.change(ctx, actor, id, "revoke",
		func(ctx context.Context, tx pgx.Tx, g Grant) error {
			return s.authorize(ctx, tx, actor, ObjOfficials, ActDelete, scopeOf(g.ProviderID))
		},
		func(ctx context.Context, tx pgx.Tx, g Grant) (Grant, error) {
			if g.Status == StatusRevoked {
				return g, ErrGrantState
			}
			return updateGrant(ctx, tx, g.ID, StatusRevoked, nil, strings.TrimSpace(reason), &actor, s.now())
		})
}

// ReportDismissal is the provider head's notice that the holder of grant id
// was dismissed or lost their authority (seed 003 §6.8): it blocks the
// grant at once, until the administrator revokes or unblocks it. The actor
// must be allowed ObjAccessRequests/ActCreate at the grant's provider (by
// default: that provider's head), and the grant must be held at a provider
// (ErrForbidden otherwise). ErrGrantState for a revoked grant.
func (s *Service) ReportDismissal(ctx context.Context, actor, id uuid.UUID) (Change, error) {
	return s.change(ctx, actor, id, "dismissal",
		func(ctx context.Context, tx pgx.Tx, g Grant) error {
			if g.ProviderID == nil {
				return ErrForbidden
			}
			return s.authorize(ctx, tx, actor, ObjAccessRequests, ActCreate, scopeOf(g.ProviderID))
		},
		func(ctx context.Context, tx pgx.Tx, g Grant) (Grant, error) {
			if g.Status == StatusRevoked {
				return g, ErrGrantState
			}
			return updateGrant(ctx, tx, g.ID, StatusBlocked, nil, DismissalReason, &actor, s.now())
		})
}

// ListGrants returns the grants actor may read (ObjOfficials/ActRead):
// every grant for a tenant-wide reader, or those of the providers at which
// actor may read them (a provider head: its own provider's). ErrForbidden
// when actor may read none, or asks for a provider it may not read.
func (s *Service) ListGrants(ctx context.Context, actor uuid.UUID, f GrantFilter) ([]Grant, error) {
	var out []Grant
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = s.listGrants(ctx, tx, actor, f)
		return err
	})
	return out, err
}

// Officials is the officials' console: the grants actor may read (as
// ListGrants, and refused as it is) with their people's and providers'
// names and their lockouts, and the providers a grant may name, read in
// one transaction.
func (s *Service) Officials(ctx context.Context, actor uuid.UUID, f GrantFilter) ([]GrantRow, []Provider, error) {
	var (
		rows  []GrantRow
		provs []Provider
	)
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		grants, err := s.listGrants(ctx, tx, actor, f)
		if err != nil {
			return err
		}
		if provs, err = Providers(ctx, tx); err != nil {
			return err
		}
		if rows, err = describeGrants(ctx, tx, grants, provs); err != nil {
			return err
		}
		for i := range rows {
			until, locked, err := s.journal.Lockout(ctx, tx, Subject{AccountID: rows[i].AccountID})
			if err != nil {
				return err
			}
			if locked {
				rows[i].LockedUntil = &until
			}
		}
		return nil
	})
	return rows, provs, err
}

// listGrants is ListGrants inside tx.
func (s *Service) listGrants(ctx context.Context, tx pgx.Tx, actor uuid.UUID, f GrantFilter) ([]Grant, error) {
	sub := Subject{AccountID: actor}
	all, err := s.AllowedTx(ctx, tx, sub, ObjOfficials, ActRead, "")
	if err != nil {
		return nil, err
	}
	var providers []uuid.UUID
	if !all {
		held, err := heldRoles(ctx, tx, actor, s.now())
		if err != nil {
			return nil, err
		}
		providers = []uuid.UUID{}
		for _, h := range held {
			if h.Provider == uuid.Nil || slices.Contains(providers, h.Provider) {
				continue
			}
			ok, err := s.AllowedTx(ctx, tx, sub, ObjOfficials, ActRead, h.Provider.String())
			if err != nil {
				return nil, err
			}
			if ok {
				providers = append(providers, h.Provider)
			}
		}
		if len(providers) == 0 || f.ProviderID != nil && !slices.Contains(providers, *f.ProviderID) {
			return nil, ErrForbidden
		}
	}
	return listGrants(ctx, tx, f, providers)
}
