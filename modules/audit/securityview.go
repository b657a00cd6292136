package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/access"
	"hromada/tenant"
)

// SecurityEntry is a security event as the security page shows it: the
// person it is about named, with their roles, and what was attempted.
type SecurityEntry struct {
	SecurityRow
	Person     uuid.UUID // uuid.Nil: not an account (a login, an address)
	PersonName string
	Roles      []string
	Attempt    string // the request: "POST /work/applications/…"
	Permission string // what it needed: "applications:process"
	Counted    bool   // a denial that counted toward a lockout
	AuditRef   string // the audit record written with it, as Row.Ref names it ("": none)
	AuditActor string // that record's actor, to find it in the audit log
	Day        string // the day it happened in the city, 2006-01-02
}

// PersonOption is a person the security page's filter offers.
type PersonOption struct {
	ID   uuid.UUID
	Name string
}

// SecurityView is the security page: the events that match a filter, the
// people the filter offers, and the accounts locked out now.
type SecurityView struct {
	Entries []SecurityEntry
	Total   int
	People  []PersonOption
	Locked  []LockedAccount
	Policy  Policy // of account lockouts
}

// maxPeople bounds the people the filter offers.
const maxPeople = 500

// Security returns the security page's content for f in one read
// transaction: the matching events with their people named, the people of
// the tenant's events for the filter, the locked-out accounts and the
// lockout policy in force.
func (s *Service) Security(ctx context.Context, f SecurityFilter) (v SecurityView, err error) {
	if s.db == nil {
		return v, errNoDB
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return v, err
	}
	err = s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if v.Locked, err = s.lockedAccounts(ctx, tx); err != nil {
			return err
		}
		if v.Policy, err = s.policyTx(ctx, tx, t.ID, accountKeyPrefix); err != nil {
			return err
		}
		rows, total, err := SearchSecurity(ctx, tx, f)
		if err != nil {
			return err
		}
		v.Total = total
		subjects, err := securitySubjects(ctx, tx)
		if err != nil {
			return err
		}
		ids := slices.Clone(subjects)
		for _, r := range rows {
			if id, ok := personOf(r.Subject); ok {
				ids = append(ids, id)
			}
		}
		people, err := access.PeopleTx(ctx, tx, ids, s.now())
		if err != nil {
			return err
		}
		for _, id := range subjects {
			if p, ok := people[id]; ok {
				v.People = append(v.People, PersonOption{ID: id, Name: p.Name})
			}
		}
		slices.SortFunc(v.People, func(a, b PersonOption) int { return strings.Compare(a.Name, b.Name) })
		for _, r := range rows {
			v.Entries = append(v.Entries, securityEntryOf(r, people))
		}
		return nil
	})
	if err != nil {
		return v, fmt.Errorf("audit: the security page: %w", err)
	}
	return v, nil
}

// securitySubjects are the accounts the tenant's security events are about.
func securitySubjects(ctx context.Context, tx pgx.Tx) ([]uuid.UUID, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT subject FROM security_events
		WHERE subject ~ '^(account:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' LIMIT $1`, maxPeople)
	if err != nil {
		return nil, err
	}
	subjects, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	var ids []uuid.UUID
	for _, s := range subjects {
		if id, ok := personOf(s); ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// personOf is the account a security event's subject names: its id, or
// its lockout key.
func personOf(subject string) (uuid.UUID, bool) {
	if id, ok := accountOfKey(subject); ok {
		return id, true
	}
	id, err := uuid.Parse(subject)
	return id, err == nil && len(subject) == 36
}

func securityEntryOf(r SecurityRow, people map[uuid.UUID]access.Person) SecurityEntry {
	e := SecurityEntry{SecurityRow: r, Day: r.At.In(tenant.Zone).Format("2006-01-02")}
	if id, ok := personOf(r.Subject); ok {
		e.Person = id
		p := people[id]
		e.PersonName, e.Roles = p.Name, p.Roles
	}
	str := func(k string) string { v, _ := r.Details[k].(string); return v }
	if m, p := str("method"), str("path"); m != "" || p != "" {
		e.Attempt = strings.TrimSpace(m + " " + p)
	}
	e.Permission = str("permission")
	e.Counted, _ = r.Details["counted"].(bool)
	if n, ok := r.Details["audit_seq"].(json.Number); ok {
		if seq, err := n.Int64(); err == nil {
			lane := 0 // the records before the lanes name no lane
			if l, ok := r.Details["audit_lane"].(json.Number); ok {
				if n, err := l.Int64(); err == nil {
					lane = int(n)
				}
			}
			e.AuditRef, e.AuditActor = rowRef(false, lane, seq), str("audit_actor")
		}
	}
	return e
}
