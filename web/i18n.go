package web

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.toml
var localeFiles embed.FS

// Languages the portal speaks; the first is the default (the state language).
var Languages = []string{"uk", "en"}

// newBundle loads every locale file and checks that each language has the
// same message ids: a key missing in one language is a startup error, not a
// blank on a page.
func newBundle() (*i18n.Bundle, error) {
	b, _, err := loadBundle()
	return b, err
}

// MessageIDs returns the message ids that start with prefix, in order: a
// test that every message of a family (the notices' outward texts) holds
// a rule, e.g. fits one SMS.
func MessageIDs(prefix string) ([]string, error) {
	_, ids, err := loadBundle()
	if err != nil {
		return nil, err
	}
	var out []string
	for id := range ids[Languages[0]] {
		if strings.HasPrefix(id, prefix) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out, nil
}

func loadBundle() (*i18n.Bundle, map[string]map[string]bool, error) {
	b := i18n.NewBundle(language.Ukrainian)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	ids := map[string]map[string]bool{}
	err := fs.WalkDir(localeFiles, "locales", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := localeFiles.ReadFile(p)
		if err != nil {
			return err
		}
		mf, err := b.ParseMessageFileBytes(raw, p)
		if err != nil {
			return fmt.Errorf("web: %s: %w", p, err)
		}
		// uk.toml or <part>.uk.toml: a module may keep its messages apart.
		name := strings.TrimSuffix(path.Base(p), ".toml")
		lang := name[strings.LastIndex(name, ".")+1:]
		if ids[lang] == nil {
			ids[lang] = map[string]bool{}
		}
		for _, m := range mf.Messages {
			ids[lang][m.ID] = true
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for _, l := range Languages {
		if ids[l] == nil {
			return nil, nil, fmt.Errorf("web: no locale file for %q", l)
		}
		for _, other := range Languages {
			var missing []string
			for id := range ids[other] {
				if !ids[l][id] {
					missing = append(missing, id)
				}
			}
			if len(missing) > 0 {
				sort.Strings(missing)
				return nil, nil, fmt.Errorf("web: locale %q lacks %v", l, missing)
			}
		}
	}
	return b, ids, nil
}

// Localizer speaks one language to templates and handlers.
type Localizer struct {
	Lang string
	l    *i18n.Localizer
}

// T returns message id filled with kv (name, value pairs). An unknown id
// shows as itself, so it is seen and fixed rather than hidden.
func (l *Localizer) T(id string, kv ...any) string {
	return l.N(id, nil, kv...)
}

// N is T with a plural count (Ukrainian has one, few and many forms).
func (l *Localizer) N(id string, count any, kv ...any) string {
	data := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		data[fmt.Sprint(kv[i])] = kv[i+1]
	}
	if count != nil {
		data["Count"] = count
	}
	s, err := l.l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil {
		return id
	}
	return s
}

// Has reports whether message id exists (in any language: each has the
// same ids).
func (l *Localizer) Has(id string) bool {
	_, err := l.l.Localize(&i18n.LocalizeConfig{MessageID: id})
	return err == nil
}

// Message returns the message id with data as its arguments.
func (l *Localizer) Message(id string, data map[string]any) string {
	s, err := l.l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// NewLocalizer returns a localizer for lang outside a request (the command
// line). It parses the locale files each time: not for hot paths.
func NewLocalizer(lang string) (*Localizer, error) {
	b, err := newBundle()
	if err != nil {
		return nil, err
	}
	return &Localizer{Lang: lang, l: i18n.NewLocalizer(b, lang)}, nil
}
