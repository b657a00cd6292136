package access

import (
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// The remembered answers are the enforcer's: every object and action of
// the default policy, asked tenant-wide and at two providers by subjects
// holding each role anywhere, at the one provider and at the other, alone
// and with a second role, gets the answer casbin gives — asked first
// (remembered) and again (from memory).
func TestRememberedDecisionsAreTheEnforcers(t *testing.T) {
	t.Parallel()
	rules, err := DefaultRules()
	require.NoError(t, err)
	dom, provA, provB := uuid.NewString(), uuid.New(), uuid.New()
	e, err := compile(dom, rules, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	p := &policySet{enf: e, dom: dom}

	var subjects [][]Held
	for _, r := range Roles {
		for _, prov := range []uuid.UUID{uuid.Nil, provA} {
			subjects = append(subjects, []Held{{Role: r, Provider: prov}})
		}
		subjects = append(subjects, []Held{{Role: RoleResident}, {Role: r, Provider: provA}, {Role: RoleOfficial, Provider: provB}})
	}
	objects := append([]string{"applications/attachments"}, Objects...)
	allowed := 0
	for _, held := range subjects {
		for _, obj := range objects {
			for _, act := range Actions {
				for _, scope := range []string{"", provA.String(), provB.String()} {
					want, err := e.Enforce(newRoleSet(held), dom, obj, act, scope)
					require.NoError(t, err)
					for _, when := range []string{"asked first", "remembered"} {
						got, err := p.decide(held, obj, act, scope)
						require.NoError(t, err)
						require.Equalf(t, want, got, "%s: %v %s %s at %q", when, held, obj, act, scope)
					}
					if want {
						allowed++
					}
				}
			}
		}
	}
	require.NotZero(t, allowed, "some are allowed")
	require.Positive(t, p.remembered.Load())
}

// The roles are part of what is remembered: the same role at another
// provider, or a role more or less, is asked anew.
func TestDecisionKey(t *testing.T) {
	t.Parallel()
	a, b := uuid.New(), uuid.New()
	key := func(held ...Held) string { return decisionKey(held, ObjApplications, ActProcess, a.String()) }
	official := Held{Role: RoleOfficial, Provider: a}
	require.Equal(t, key(official, Held{Role: RoleResident}), key(Held{Role: RoleResident}, official, official), "order and repeats do not matter")
	require.NotEqual(t, key(official), key(Held{Role: RoleOfficial, Provider: b}))
	require.NotEqual(t, key(official), key(official, Held{Role: RoleProviderHead, Provider: b}))
	require.NotEqual(t, key(Held{Role: RoleOfficial}), key(official), "anywhere is not at the provider")
	require.NotEqual(t, decisionKey(nil, ObjApplications, ActProcess, ""), decisionKey(nil, ObjApplications, ActRead, ""))
}

// BenchmarkEnforce is BenchmarkDecide without the remembered answers:
// casbin's matcher over the policy lines.
func BenchmarkEnforce(b *testing.B) {
	rules, err := DefaultRules()
	require.NoError(b, err)
	dom, prov := uuid.NewString(), uuid.New()
	e, err := compile(dom, rules, slog.New(slog.DiscardHandler))
	require.NoError(b, err)
	held := []Held{{Role: RoleResident}, {Role: RoleOfficial, Provider: prov}}
	before, n := cpuTime(), 0
	for b.Loop() {
		ok, err := e.Enforce(newRoleSet(held), dom, ObjApplications, ActProcess, prov.String())
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
		n++
	}
	b.ReportMetric(float64(cpuTime()-before)/float64(n), "cpu-ns/op")
}

// cpuTime is the process's CPU time: a benchmark's cpu-ns/op says more than
// its wall time on a machine shared with other work.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
