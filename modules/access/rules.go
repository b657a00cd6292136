package access

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"hromada/policies"
)

// pinned are lines that every tenant's enforcer holds whatever its table
// says, and that every stored rule set includes: separation of duties is not
// editable away. The administrator processes nothing; the auditor always
// reads the audit log and the security events, so no administrator can
// blind the one who audits them (Validate also refuses a deny line against
// these). The auditor needs no deny line: Validate keeps its allow lines to
// read and export, and a deny on "*" would take away its own cabinet too.
var pinned = []Rule{
	{RoleAdministrator, "*", ActProcess, ScopeTenant, EffectDeny},
	{RoleAuditor, ObjAudit, ActRead, ScopeTenant, EffectAllow},
	{RoleAuditor, ObjSecurityEvents, ActRead, ScopeTenant, EffectAllow},
}

// Pinned returns the lines that code keeps in every tenant's policy.
func Pinned() []Rule { return slices.Clone(pinned) }

// DomainPlaceholder stands for the tenant's id in policies.Defaults.
const DomainPlaceholder = "{tenant}"

// DefaultRules returns the default policy lines (policies/default.csv), with
// the pinned lines, in canonical order.
func DefaultRules() ([]Rule, error) {
	var rules []Rule
	for n, line := range strings.Split(policies.Defaults, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if len(f) != 7 || f[0] != "p" || f[2] != DomainPlaceholder {
			return nil, fmt.Errorf("access: policies/default.csv line %d: want \"p, role, %s, object, action, scope, effect\"", n+1, DomainPlaceholder)
		}
		r := Rule{Role: f[1], Object: f[3], Action: f[4], Scope: f[5], Effect: f[6]}
		if err := Validate(r); err != nil {
			return nil, fmt.Errorf("access: policies/default.csv line %d: %w", n+1, err)
		}
		rules = append(rules, r)
	}
	return normalize(rules), nil
}

// Validate checks one policy line: its role, object, action, scope and
// effect are in the vocabulary and fit together (ErrInvalidRule), and it
// keeps the separation of duties (ErrSeparationOfDuties):
//
//   - the administrator is never allowed to process anything;
//   - the auditor is allowed only to read and export;
//   - only the administrator may be allowed to grant, block or revoke
//     (delete) access, or to change the policy;
//   - the audit log and security events are only read and exported, by
//     anyone (the system writes them);
//   - the resident role, which every account holds, is allowed only its own
//     objects (own_*), so editing it can give no one anything more;
//   - no deny line cancels a pinned allow line (the auditor's reading).
//
// Wildcards ("*" as object or action) are for deny lines only.
func Validate(r Rule) error {
	invalid := ErrInvalidRule.With(map[string]any{"Rule": r.String()})
	if !slices.Contains(Roles, r.Role) {
		return invalid
	}
	if r.Effect != EffectAllow && r.Effect != EffectDeny {
		return invalid
	}
	wild := r.Object == "*" || r.Action == "*"
	if wild && r.Effect != EffectDeny {
		return invalid
	}
	if r.Object != "*" && !validObjectPattern(r.Object) {
		return invalid
	}
	if r.Action != "*" && !slices.Contains(Actions, r.Action) {
		return invalid
	}
	switch r.Scope {
	case ScopeTenant:
		if ProviderScoped(r.Role) && r.Effect == EffectAllow {
			return invalid // an official's rights never reach past its provider
		}
	case ScopeProvider:
		if !ProviderScoped(r.Role) {
			return invalid // a tenant-wide role is held at no provider
		}
	default:
		return invalid
	}
	if r.Effect == EffectAllow {
		return checkDuties(r)
	}
	for _, p := range pinned {
		if p.Effect == EffectAllow && p.Role == r.Role && (r.Action == "*" || r.Action == p.Action) {
			if m, _ := objectMatch(p.Object, r.Object); m.(bool) {
				return ErrSeparationOfDuties.With(map[string]any{"Rule": r.String()})
			}
		}
	}
	return nil
}

func checkDuties(r Rule) error {
	sod := ErrSeparationOfDuties.With(map[string]any{"Rule": r.String()})
	base, _, _ := strings.Cut(r.Object, "/")
	switch {
	case r.Role == RoleAdministrator && r.Action == ActProcess:
		return sod
	case r.Role == RoleAuditor && r.Action != ActRead && r.Action != ActExport:
		return sod
	case base == ObjOfficials && slices.Contains([]string{ActGrant, ActBlock, ActDelete}, r.Action) && r.Role != RoleAdministrator:
		return sod
	case base == ObjPolicies && r.Action != ActRead && r.Role != RoleAdministrator:
		return sod
	case (base == ObjAudit || base == ObjSecurityEvents) && r.Action != ActRead && r.Action != ActExport:
		return sod
	case r.Role == RoleResident && !strings.HasPrefix(base, "own_"):
		return sod
	}
	return nil
}

// validObjectPattern accepts "object", "object/*" and "object/part".
func validObjectPattern(p string) bool {
	base, part, hasPart := strings.Cut(p, "/")
	if !slices.Contains(Objects, base) {
		return false
	}
	if !hasPart || part == "*" {
		return true
	}
	if part == "" {
		return false
	}
	for _, c := range part {
		if !(c >= 'a' && c <= 'z' || c == '_') {
			return false
		}
	}
	return true
}

// normalize adds the pinned lines, drops duplicates and sorts: roles in the
// order of Roles, then object, action, scope, effect.
func normalize(rules []Rule) []Rule {
	out := make([]Rule, 0, len(rules)+len(pinned))
	out = append(out, rules...)
	out = append(out, pinned...)
	slices.SortFunc(out, compareRules)
	return slices.Compact(out)
}

func compareRules(a, b Rule) int {
	return cmp.Or(
		cmp.Compare(slices.Index(Roles, a.Role), slices.Index(Roles, b.Role)),
		cmp.Compare(a.Object, b.Object),
		cmp.Compare(a.Action, b.Action),
		cmp.Compare(a.Scope, b.Scope),
		cmp.Compare(a.Effect, b.Effect),
	)
}

// linesOf returns the lines of role in rules.
func linesOf(rules []Rule, role string) []Rule {
	var out []Rule
	for _, r := range rules {
		if r.Role == role {
			out = append(out, r)
		}
	}
	return out
}
