package monitoring

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/access"
	"hromada/modules/applications"
	"hromada/tenant"
)

// A provider head's view of the team (issue 12, "Dashboards"): per
// official of the provider, the open cases assigned to them by their term
// today and the decisions they made in a period. Unlike the indicators
// above it names people — the provider's own staff, for their head — and
// it is read live from the applications (applications' terms.go defines
// due and overdue), so it is never open data.

// Member is one official's workload; AccountID nil is the open cases no
// one has taken yet.
type Member struct {
	AccountID *uuid.UUID
	Name      string
	// Official says whether the person still holds the official's role at
	// the provider (a blocked or departed one may still have cases).
	Official bool
	applications.Terms
	Decided int64
}

// Team is a provider's officials' workload.
type Team struct {
	ProviderID uuid.UUID
	Provider   tenant.Text
	From, To   time.Time
	Today      time.Time
	Members    []Member
	Total      Member
}

// Team reads the workload of provider's officials, the decisions counted
// on the local days f.From to f.To, in one read transaction.
func (s *Service) Team(ctx context.Context, provider uuid.UUID, f Filter) (*Team, error) {
	now := s.now()
	t := &Team{ProviderID: provider, From: f.From, To: f.To, Today: applications.Day(now)}
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT name FROM providers WHERE id = $1`, provider).Scan(&t.Provider); err != nil {
			return err
		}
		loads, err := applications.WorkloadTx(ctx, tx, provider, t.Today, f.From, f.To)
		if err != nil {
			return err
		}
		officials, err := access.ProviderHoldersTx(ctx, tx, access.RoleOfficial, provider, now)
		if err != nil {
			return err
		}
		byID := map[uuid.UUID]*Member{}
		var unassigned *Member
		for _, id := range officials {
			byID[id] = &Member{AccountID: &id, Official: true}
		}
		for _, l := range loads {
			m := &Member{AccountID: l.AccountID, Terms: l.Terms, Decided: l.Decided}
			if l.AccountID == nil {
				unassigned = m
				continue
			}
			if o := byID[*l.AccountID]; o != nil {
				m.Official = true
			}
			byID[*l.AccountID] = m
		}
		ids := make([]uuid.UUID, 0, len(byID))
		for id := range byID {
			ids = append(ids, id)
		}
		people, err := access.PeopleTx(ctx, tx, ids, now)
		if err != nil {
			return err
		}
		for id, m := range byID {
			m.Name = people[id].Name
			t.Members = append(t.Members, *m)
		}
		sort.Slice(t.Members, func(i, j int) bool {
			a, b := t.Members[i], t.Members[j]
			if a.Name != b.Name {
				return a.Name < b.Name
			}
			return a.AccountID.String() < b.AccountID.String()
		})
		if unassigned != nil {
			t.Members = append(t.Members, *unassigned)
		}
		for _, m := range t.Members {
			t.Total.Open += m.Open
			t.Total.DueToday += m.DueToday
			t.Total.DueWeek += m.DueWeek
			t.Total.Overdue += m.Overdue
			t.Total.Decided += m.Decided
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("monitoring: team of %s: %w", provider, err)
	}
	return t, nil
}
