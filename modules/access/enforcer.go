package access

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/util"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/policies"
	"hromada/tenant"
)

// ChangeChannel is the channel on which casbin_rules' and access_grants'
// triggers announce a change, with the tenant's id as the payload.
const ChangeChannel = "hromada_access_changed"

// policySet is a tenant's compiled policy: its enforcer, built from the
// tenant's lines and the pinned ones.
type policySet struct {
	enf     *casbin.Enforcer
	dom     string
	version int64
	expires time.Time
	// decisions remembers this policy's answers (see decide): a policy
	// that changes is another policySet, so they go with it.
	decisions  sync.Map // decisionKey → bool
	remembered atomic.Int64
}

// maxDecisions bounds a policy's remembered answers: a tenant's roles,
// objects, actions and providers give far fewer, so reaching it means
// something unexpected; the answers are then forgotten and asked again.
const maxDecisions = 10_000

// roleSet is what the model's r.sub carries: the roles a subject holds now.
type roleSet struct {
	anywhere map[string]bool // role held tenant-wide or at some provider
	at       map[string]bool // "role@provider-id" for provider-scoped roles
}

func newRoleSet(held []Held) *roleSet {
	rs := &roleSet{anywhere: map[string]bool{}, at: map[string]bool{}}
	for _, h := range held {
		rs.anywhere[h.Role] = true
		if h.Provider != uuid.Nil {
			rs.at[h.Role+"@"+h.Provider.String()] = true
		}
	}
	return rs
}

// holds(r.sub, p.sub, p.scope, r.scope): the subject holds the line's role
// anywhere (a "tenant" line), or at the request's provider (a "provider"
// line; a tenant-wide request matches no provider line).
func holds(args ...any) (any, error) {
	if len(args) != 4 {
		return false, fmt.Errorf("holds: want 4 arguments, got %d", len(args))
	}
	rs, ok := args[0].(*roleSet)
	role, ok1 := args[1].(string)
	pScope, ok2 := args[2].(string)
	rScope, ok3 := args[3].(string)
	if !ok || !ok1 || !ok2 || !ok3 {
		return false, fmt.Errorf("holds: wrong argument types %T %T %T %T", args...)
	}
	if pScope == ScopeProvider {
		return rScope != "" && rs.at[role+"@"+rScope], nil
	}
	return rs.anywhere[role], nil
}

// objectMatch(r.obj, p.obj): keyMatch2 semantics, without compiling a
// regular expression for the common cases: equal names, "<object>/*" for
// its parts, "*" for anything.
func objectMatch(args ...any) (any, error) {
	if len(args) != 2 {
		return false, fmt.Errorf("objectMatch: want 2 arguments, got %d", len(args))
	}
	obj, ok1 := args[0].(string)
	pat, ok2 := args[1].(string)
	if !ok1 || !ok2 {
		return false, fmt.Errorf("objectMatch: wrong argument types %T %T", args...)
	}
	switch {
	case pat == "*" || obj == pat:
		return true, nil
	case strings.HasSuffix(pat, "/*") && !strings.ContainsAny(pat[:len(pat)-2], "*:"):
		return strings.HasPrefix(obj, pat[:len(pat)-1]), nil
	case strings.ContainsAny(pat, "*:"):
		return util.KeyMatch2(obj, pat), nil
	}
	return false, nil
}

// compile builds the enforcer of the tenant dom from rules, dropping (and
// logging) any line that breaks Validate and adding the pinned lines.
func compile(dom string, rules []Rule, log *slog.Logger) (*casbin.Enforcer, error) {
	m, err := model.NewModelFromString(policies.Model)
	if err != nil {
		return nil, fmt.Errorf("access: model: %w", err)
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("access: enforcer: %w", err)
	}
	e.AddFunction("holds", holds)
	e.AddFunction("objectMatch", objectMatch)
	valid := make([]Rule, 0, len(rules))
	for _, r := range rules {
		if err := Validate(r); err != nil {
			log.Warn("access: policy line dropped", "tenant", dom, "rule", r.String(), "error", err)
			continue
		}
		valid = append(valid, r)
	}
	valid = normalize(valid)
	lines := make([][]string, len(valid))
	for i, r := range valid {
		lines[i] = []string{r.Role, dom, r.Object, r.Action, r.Scope, r.Effect}
	}
	if _, err := e.AddPolicies(lines); err != nil {
		return nil, fmt.Errorf("access: load policy: %w", err)
	}
	return e, nil
}

// decide asks the enforcer whether a subject holding held may act on obj.
// The answer is remembered for the same roles, object, action and scope:
// casbin evaluates the matcher (govaluate) against every policy line on
// each request, the same work for the same question. The roles are still
// read at every decision, so a grant that changes changes the key.
func (p *policySet) decide(held []Held, obj, act, scope string) (bool, error) {
	key := decisionKey(held, obj, act, scope)
	if ok, found := p.decisions.Load(key); found {
		return ok.(bool), nil
	}
	ok, err := p.enf.Enforce(newRoleSet(held), p.dom, obj, act, scope)
	if err != nil {
		return false, fmt.Errorf("access: enforce: %w", err)
	}
	if p.remembered.Add(1) > maxDecisions {
		p.decisions.Clear()
		p.remembered.Store(1)
	}
	p.decisions.Store(key, ok)
	return ok, nil
}

// decisionKey is what a decision depends on besides the policy (see
// holds): the roles held anywhere, the roles held at the provider scope
// names, both sorted and without repeats, and obj, act and scope.
func decisionKey(held []Held, obj, act, scope string) string {
	anywhere := make([]string, 0, len(held))
	var at []string
	for _, h := range held {
		anywhere = append(anywhere, h.Role)
		if scope != "" && h.Provider != uuid.Nil && h.Provider.String() == scope {
			at = append(at, h.Role)
		}
	}
	slices.Sort(anywhere)
	slices.Sort(at)
	var b strings.Builder
	for _, part := range []string{obj, act, scope} {
		b.WriteString(part)
		b.WriteByte(0)
	}
	for _, roles := range [][]string{slices.Compact(anywhere), slices.Compact(at)} {
		for _, r := range roles {
			b.WriteString(r)
			b.WriteByte(',')
		}
		b.WriteByte(0)
	}
	return b.String()
}

// policy returns the tenant's compiled policy, from the cache or loaded
// through tx (nil: a transaction of its own).
func (s *Service) policy(ctx context.Context, tx pgx.Tx) (*policySet, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	p, gen, all := s.cache[t.ID], s.gen[t.ID], s.all
	s.mu.Unlock()
	if p != nil && s.now().Before(p.expires) {
		return p, nil
	}
	p, err = s.load(ctx, tx, t.ID)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.gen[t.ID] == gen && s.all == all {
		s.cache[t.ID] = p
	}
	s.mu.Unlock()
	return p, nil
}

// load reads and compiles the tenant's policy, through tx when it is not
// nil. A tenant that has never had one (created before access control, or
// whose creation did not install the defaults) gets the defaults first, in a
// transaction of its own.
func (s *Service) load(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID) (*policySet, error) {
	var (
		rules   []Rule
		version int64
	)
	read := func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if version, err = currentVersion(ctx, tx); err != nil {
			return err
		}
		var foreign int
		rules, foreign, err = loadRules(ctx, tx, tenantID)
		if foreign > 0 {
			s.log.Warn("access: policy lines of another domain skipped", "tenant", tenantID, "lines", foreign)
		}
		return err
	}
	var err error
	if tx != nil {
		err = read(ctx, tx)
	} else {
		err = s.db.ReadTx(ctx, read)
	}
	if err != nil {
		return nil, err
	}
	if version == 0 {
		err = s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			if err := s.InstallDefaults(ctx, tx); err != nil {
				return err
			}
			return read(ctx, tx)
		})
		if err != nil {
			return nil, err
		}
	}
	dom := tenantID.String()
	e, err := compile(dom, rules, s.log)
	if err != nil {
		return nil, err
	}
	return &policySet{enf: e, dom: dom, version: version, expires: s.now().Add(s.ttl)}, nil
}

// Allowed reports whether subject may act on obj, in scope: "" for a
// tenant-wide object, or the id of the provider the object belongs to. The
// subject's roles are read now, in a transaction of the tenant in ctx; an
// unknown object or action is an error (a bug in the caller), a subject
// with no account (uuid.Nil) or none in this tenant holds no role at all.
func (s *Service) Allowed(ctx context.Context, subject Subject, obj, act, scope string) (bool, error) {
	var ok bool
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		ok, err = s.AllowedTx(ctx, tx, subject, obj, act, scope)
		return err
	})
	return ok, err
}

// AllowedTx is Allowed inside the caller's tenant transaction, so a
// service can check and act in one transaction.
func (s *Service) AllowedTx(ctx context.Context, tx pgx.Tx, subject Subject, obj, act, scope string) (bool, error) {
	ok, _, err := s.decideTx(ctx, tx, subject, obj, act, scope, false)
	return ok, err
}

// decideTx is AllowedTx that also returns the roles it found the subject
// holding, for the guard to hand to the page. residentOnly decides with
// the resident's rights alone (a subject whose staff rights are locked out).
func (s *Service) decideTx(ctx context.Context, tx pgx.Tx, subject Subject, obj, act, scope string, residentOnly bool) (bool, []Held, error) {
	d, err := s.newDecider(ctx, tx, subject, residentOnly)
	if err != nil {
		return false, nil, err
	}
	ok, err := d.decide(obj, act, scope)
	return ok, d.held, err
}

// decider decides many requests of one subject: the policy and the roles
// the subject holds are read once.
type decider struct {
	p    *policySet
	held []Held
	none bool // no account: holds no role
}

func (s *Service) newDecider(ctx context.Context, tx pgx.Tx, subject Subject, residentOnly bool) (*decider, error) {
	if subject.AccountID == uuid.Nil {
		return &decider{none: true}, nil
	}
	p, err := s.policy(ctx, tx)
	if err != nil {
		return nil, err
	}
	held, err := heldRoles(ctx, tx, subject.AccountID, s.now())
	if err != nil {
		return nil, err
	}
	return deciderOf(p, held, residentOnly), nil
}

// deciderOf decides with policy p and the roles held, read already.
func deciderOf(p *policySet, held []Held, residentOnly bool) *decider {
	if residentOnly {
		held = slices.DeleteFunc(held, func(h Held) bool { return h.Role != RoleResident })
	}
	return &decider{p: p, held: held}
}

// guardReads is the guard's reads of a signed-in subject, pipelined: the
// lockout and the roles held.
type guardReads struct {
	until  time.Time
	locked bool
	held   []Held
}

// readIdentity reads the lockout and the roles of subject in one round
// trip, in tx; nil (and nothing read) when the journal cannot queue its
// read or there is no account: the caller reads them one by one.
func (s *Service) readIdentity(ctx context.Context, tx pgx.Tx, subject Subject) (*guardReads, error) {
	b, id, err := s.queueIdentity(ctx, subject)
	if b == nil || err != nil {
		return nil, err
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	return id, nil
}

// readIdentityAlone is readIdentity in a read transaction of its own, the
// whole of it one round trip (tenant.DB.ReadBatch): BEGIN, the tenant, the
// lockout, the roles and COMMIT.
func (s *Service) readIdentityAlone(ctx context.Context, subject Subject) (*guardReads, error) {
	b, id, err := s.queueIdentity(ctx, subject)
	if b == nil || err != nil {
		return nil, err
	}
	if err := s.db.ReadBatch(ctx, b); err != nil {
		return nil, err
	}
	return id, nil
}

// queueIdentity queues the reads of readIdentity on a new batch; a nil
// batch when the journal cannot queue its read or there is no account.
func (s *Service) queueIdentity(ctx context.Context, subject Subject) (*pgx.Batch, *guardReads, error) {
	q, ok := s.journal.(LockoutQueuer)
	if !ok || subject.AccountID == uuid.Nil {
		return nil, nil, nil
	}
	var id guardReads
	b := &pgx.Batch{}
	if err := q.QueueLockout(ctx, b, subject, &id.until, &id.locked); err != nil {
		return nil, nil, err
	}
	queueHeldRoles(b, subject.AccountID, s.now(), &id.held)
	return b, &id, nil
}

// decideHeld is decideTx with the roles read already (readIdentity).
func (s *Service) decideHeld(ctx context.Context, tx pgx.Tx, held []Held, obj, act, scope string, residentOnly bool) (bool, []Held, error) {
	p, err := s.policy(ctx, tx)
	if err != nil {
		return false, nil, err
	}
	d := deciderOf(p, held, residentOnly)
	ok, err := d.decide(obj, act, scope)
	return ok, d.held, err
}

// decide is the decision on obj, act and scope; an unknown object or
// action is an error (a bug in the caller).
func (d *decider) decide(obj, act, scope string) (bool, error) {
	if !KnownObject(obj) || strings.Contains(obj, "*") {
		return false, fmt.Errorf("access: unknown object %q", obj)
	}
	if !knownAction(act) {
		return false, fmt.Errorf("access: unknown action %q", act)
	}
	if d.none {
		return false, nil
	}
	return d.p.decide(d.held, obj, act, scope)
}

// StaffRoles are the roles among held beyond resident: what the page's
// header links to the workspace for.
func StaffRoles(held []Held) []string {
	var roles []string
	for _, h := range held {
		if h.Role != RoleResident {
			roles = append(roles, h.Role)
		}
	}
	return roles
}

// HeldRoles returns the roles subject holds now in the tenant in ctx
// (resident among them when it is an account of the tenant), e.g. to show
// the links to the workspaces it may enter.
func (s *Service) HeldRoles(ctx context.Context, subject Subject) ([]Held, error) {
	var held []Held
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		held, err = heldRoles(ctx, tx, subject.AccountID, s.now())
		return err
	})
	return held, err
}

func knownAction(act string) bool { return slices.Contains(Actions, act) }

// Forget drops the cached policy of tenant id (of every tenant for
// uuid.Nil); the next decision reloads it.
func (s *Service) Forget(id uuid.UUID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == uuid.Nil {
		clear(s.cache)
		s.all++
		return
	}
	delete(s.cache, id)
	s.gen[id]++
}

// Listen keeps a connection listening on ChangeChannel and forgets the
// changed tenant's policy, until ctx ends (see tenant.ListenForChanges). Run
// it once per process (hromada serve and worker).
func (s *Service) Listen(ctx context.Context, log *slog.Logger) {
	tenant.ListenForChanges(ctx, s.db.Pool(), ChangeChannel, s.Forget, log)
}
