package access

import (
	"context"

	"github.com/google/uuid"
)

// Workplaces are the providers at which an account works now: as provider
// head (the provider's consoles) and as official (its queue of
// applications). The staff's home links to them.
type Workplaces struct {
	Heads, Officials []string // provider ids
	// Staff is whether the account holds any staff role (a grant) in the
	// city: the staff's pages are for no one else.
	Staff bool
}

// Workplaces reads the account's workplaces in the tenant in ctx, in one
// read transaction.
func (s *Service) Workplaces(ctx context.Context, account uuid.UUID) (Workplaces, error) {
	var wp Workplaces
	held, err := s.HeldRoles(ctx, Subject{AccountID: account})
	if err != nil {
		return wp, err
	}
	wp.Staff = len(StaffRoles(held)) > 0
	for _, h := range held {
		if h.Provider == uuid.Nil {
			continue
		}
		switch h.Role {
		case RoleProviderHead:
			wp.Heads = append(wp.Heads, h.Provider.String())
		case RoleOfficial:
			wp.Officials = append(wp.Officials, h.Provider.String())
		}
	}
	return wp, nil
}
