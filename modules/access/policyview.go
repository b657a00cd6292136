package access

import (
	"slices"
	"strings"
)

// The policy in words for the administrator: what each role may do, and
// what an edit adds and removes, read from the same lines the enforcer
// compiles (no second description to keep in step).

// RolePerms is what one role may (and may not) do.
type RolePerms struct {
	Role  string
	Lines []PermLine
}

// PermLine is one object of a role's lines: the actions allowed (or denied)
// on it at one scope, in the vocabulary's order.
type PermLine struct {
	Object  string
	Actions []string
	Scope   string
	Effect  string
}

// Word is the locale key's tail naming the line's object in words:
// "applications", "applications.cabinet_by_law", "all" for "*".
// A sub-object without words of its own is named by its object (the raw
// line beside it says which part).
func (l PermLine) Word() string {
	switch {
	case l.Object == "*":
		return "all"
	case subObjectWords[l.Object]:
		return strings.ReplaceAll(l.Object, "/", ".")
	}
	return objectBase(l.Object)
}

// subObjectWords are the sub-objects web/locales/staff.*.toml names.
var subObjectWords = map[string]bool{"applications/cabinet_by_law": true}

// RoleView groups rules by role (in Roles' order, unknown roles after) and,
// within a role, by object, scope and effect in Objects' order.
func RoleView(rules []Rule) []RolePerms {
	byRole := map[string][]Rule{}
	for _, r := range rules {
		byRole[r.Role] = append(byRole[r.Role], r)
	}
	var out []RolePerms
	for _, role := range rolesOf(rules) {
		out = append(out, RolePerms{Role: role, Lines: permLines(byRole[role])})
	}
	return out
}

// RoleDiff is what an edit changes for one role.
type RoleDiff struct {
	Role           string
	Added, Removed []PermLine
}

// DiffRules compares two rule sets as stored (normalized, the pinned lines
// kept) and says, role by role, which lines the edit adds and removes.
// Roles the edit leaves alone are not listed.
func DiffRules(before, after []Rule) []RoleDiff {
	b, a := normalize(before), normalize(after)
	var added, removed []Rule
	for _, r := range a {
		if !slices.Contains(b, r) {
			added = append(added, r)
		}
	}
	for _, r := range b {
		if !slices.Contains(a, r) {
			removed = append(removed, r)
		}
	}
	var out []RoleDiff
	for _, role := range rolesOf(append(slices.Clone(added), removed...)) {
		d := RoleDiff{Role: role}
		d.Added = permLines(filterRole(added, role))
		d.Removed = permLines(filterRole(removed, role))
		out = append(out, d)
	}
	return out
}

func filterRole(rules []Rule, role string) []Rule {
	var out []Rule
	for _, r := range rules {
		if r.Role == role {
			out = append(out, r)
		}
	}
	return out
}

// rolesOf lists the roles rules mention, the vocabulary's first.
func rolesOf(rules []Rule) []string {
	var out []string
	for _, role := range Roles {
		if slices.ContainsFunc(rules, func(r Rule) bool { return r.Role == role }) {
			out = append(out, role)
		}
	}
	for _, r := range rules {
		if !slices.Contains(out, r.Role) {
			out = append(out, r.Role)
		}
	}
	return out
}

// permLines groups one role's rules by object, scope and effect.
func permLines(rules []Rule) []PermLine {
	var out []PermLine
	for _, r := range rules {
		i := slices.IndexFunc(out, func(l PermLine) bool {
			return l.Object == r.Object && l.Scope == r.Scope && l.Effect == r.Effect
		})
		if i < 0 {
			out = append(out, PermLine{Object: r.Object, Scope: r.Scope, Effect: r.Effect})
			i = len(out) - 1
		}
		if !slices.Contains(out[i].Actions, r.Action) {
			out[i].Actions = append(out[i].Actions, r.Action)
		}
	}
	for i := range out {
		slices.SortStableFunc(out[i].Actions, func(x, y string) int { return vocabIndex(Actions, x) - vocabIndex(Actions, y) })
	}
	slices.SortStableFunc(out, func(x, y PermLine) int {
		if c := vocabIndex(Objects, objectBase(x.Object)) - vocabIndex(Objects, objectBase(y.Object)); c != 0 {
			return c
		}
		if c := strings.Compare(x.Object, y.Object); c != 0 {
			return c
		}
		if x.Effect != y.Effect { // what is allowed before what is denied
			if x.Effect == EffectAllow {
				return -1
			}
			return 1
		}
		return strings.Compare(x.Scope, y.Scope)
	})
	return out
}

func objectBase(obj string) string {
	base, _, _ := strings.Cut(obj, "/")
	return base
}

func vocabIndex(vocab []string, s string) int {
	if i := slices.Index(vocab, s); i >= 0 {
		return i
	}
	return len(vocab) // "*" and unknowns after the vocabulary
}
