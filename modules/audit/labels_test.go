package audit_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/audit"
	"hromada/web"
)

// srcPackage is one package's non-test files, parsed.
type srcPackage struct {
	dir   string
	files []*ast.File
}

// parseModules parses every package under modules/ (without tests).
func parseModules(t *testing.T) []srcPackage {
	t.Helper()
	var pkgs []srcPackage
	fset := token.NewFileSet()
	root := filepath.Join("..")
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		names, err := filepath.Glob(filepath.Join(path, "*.go"))
		if err != nil {
			return err
		}
		p := srcPackage{dir: filepath.ToSlash(path)}
		for _, n := range names {
			if strings.HasSuffix(n, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, n, nil, 0)
			if err != nil {
				return err
			}
			p.files = append(p.files, f)
		}
		if len(p.files) > 0 {
			pkgs = append(pkgs, p)
		}
		return nil
	})
	require.NoError(t, err)
	return pkgs
}

func stringLit(e ast.Expr) (string, bool) {
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(b.Value)
	return s, err == nil
}

// isEvent says whether a composite literal's type is audit's Event.
func isEvent(e ast.Expr) bool {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name == "Event"
	case *ast.SelectorExpr:
		x, ok := t.X.(*ast.Ident)
		return ok && x.Name == "audit" && t.Sel.Name == "Event"
	}
	return false
}

// actionWords are the string literals of p that can become the dynamic
// part of an action: arguments given to a parameter named action, values
// assigned to a variable named action, values of a field Action.
func actionWords(p srcPackage) []string {
	params := map[string]int{} // function name → index of its parameter "action"
	for _, f := range p.files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			i := 0
			for _, field := range fn.Type.Params.List {
				for _, n := range field.Names {
					if n.Name == "action" {
						params[fn.Name.Name] = i
					}
					i++
				}
			}
		}
	}
	var words []string
	add := func(e ast.Expr) {
		if s, ok := stringLit(e); ok {
			words = append(words, s)
		}
	}
	for _, f := range p.files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				if i, ok := params[name]; ok && i < len(n.Args) {
					add(n.Args[i])
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name == "action" && len(n.Rhs) == len(n.Lhs) {
						add(n.Rhs[i])
					}
				}
			case *ast.CompositeLit:
				if isEvent(n.Type) {
					return true
				}
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Action" {
							add(kv.Value)
						}
					}
				}
			}
			return true
		})
	}
	return words
}

// recordedActions finds, in the source of every module, the actions an
// audit.Event can carry: a literal Action, or a literal prefix ("access." +
// x) joined to every word (actionWords) of the recording package and of the
// module the prefix names (access's Change carries its own actions).
func recordedActions(t *testing.T) map[string][]string {
	pkgs := parseModules(t)
	found := map[string][]string{} // action → where
	for _, p := range pkgs {
		for _, f := range p.files {
			ast.Inspect(f, func(n ast.Node) bool {
				cl, ok := n.(*ast.CompositeLit)
				if !ok || !isEvent(cl.Type) {
					return true
				}
				for _, el := range cl.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					if k, isID := kv.Key.(*ast.Ident); !ok || !isID || k.Name != "Action" {
						continue
					}
					if s, ok := stringLit(kv.Value); ok {
						found[s] = append(found[s], p.dir)
						continue
					}
					bin, ok := kv.Value.(*ast.BinaryExpr)
					prefix, lit := "", false
					if ok && bin.Op == token.ADD {
						prefix, lit = stringLit(bin.X)
					}
					if !lit || !strings.HasSuffix(prefix, ".") {
						t.Errorf("%s: an Action this test cannot follow (a literal, or a literal prefix + a word)", p.dir)
						continue
					}
					module := "/" + strings.Split(prefix, ".")[0]
					var words []string
					for _, q := range pkgs {
						if q.dir == p.dir || strings.HasPrefix(filepath.Base(q.dir), strings.TrimPrefix(module, "/")) {
							words = append(words, actionWords(q)...)
						}
					}
					require.NotEmpty(t, words, "%s: no words for %q", p.dir, prefix)
					for _, w := range words {
						found[prefix+w] = append(found[prefix+w], p.dir)
					}
				}
				return true
			})
		}
	}
	return found
}

// Every action the code can record has words in audit.Actions, and the
// words in Ukrainian and English; every action listed is recorded
// somewhere (the denied filter's aside), so the scan finds what it must.
func TestEveryRecordedActionHasALabel(t *testing.T) {
	t.Parallel()
	found := recordedActions(t)
	require.GreaterOrEqual(t, len(found), 20, "the scan found too little: %v", found)
	for action, where := range found {
		require.Contains(t, audit.Actions, action, "%s records %q: add it to audit.Actions and its words to web/locales", where, action)
	}
	for _, a := range audit.Actions {
		if a == audit.ActionDenied {
			continue
		}
		require.Contains(t, found, a, "audit.Actions lists %q, which nothing records", a)
	}
	for _, lang := range []string{"uk", "en"} {
		l, err := web.NewLocalizer(lang)
		require.NoError(t, err)
		for _, a := range audit.Actions {
			key := audit.ActionKey(a)
			require.NotEmpty(t, key)
			require.NotEqual(t, key, l.T(key), "%s: no words for %s", lang, a)
		}
	}
	uk, err := web.NewLocalizer("uk")
	require.NoError(t, err)
	require.Equal(t, "Надано доступ", uk.T(audit.ActionKey("access.grant")))
	require.Equal(t, "Видано результат", uk.T(audit.ActionKey("application.issue")))
	require.Empty(t, audit.ActionKey("no.such.action"))
	require.False(t, slices.Contains(audit.Actions, ""))
}
