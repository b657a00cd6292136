package catalog

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"hromada/docs"
	"hromada/web"
)

// The pages and exports beyond search: providers, centres, and the register
// as open data (seed 000 item 20) at stable addresses, documented in
// docs/opendata.md.

type providerData struct {
	Provider *Provider
	Services []Hit
}

func (s *Site) handleProvider(w http.ResponseWriter, r *http.Request) {
	var (
		d   providerData
		err error
	)
	if d.Provider, d.Services, err = s.svc.Provider(r.Context(), chi.URLParam(r, "code")); err != nil {
		s.rd.Error(w, r, err)
		return
	}
	s.rd.Render(w, r, http.StatusOK, "catalog/provider", &web.Page{TitleKey: "catalog.provider", Title: d.Provider.Name.In(web.PrefsFrom(r).Lang), Data: d})
}

func (s *Site) handleCentres(w http.ResponseWriter, r *http.Request) {
	cs, err := s.svc.Centres(r.Context())
	if err != nil {
		s.rd.Error(w, r, err)
		return
	}
	s.rd.Render(w, r, http.StatusOK, "catalog/centres", &web.Page{TitleKey: "catalog.centres", Data: cs})
}

type centreData struct {
	Centre   *Centre
	Services []Published
}

func (s *Site) handleCentre(w http.ResponseWriter, r *http.Request) {
	var (
		d   centreData
		err error
	)
	if d.Centre, d.Services, err = s.svc.Centre(r.Context(), chi.URLParam(r, "code")); err != nil {
		s.rd.Error(w, r, err)
		return
	}
	s.rd.Render(w, r, http.StatusOK, "catalog/centre", &web.Page{TitleKey: "catalog.centres", Title: d.Centre.Name.In(web.PrefsFrom(r).Lang), Data: d})
}

// openService is a service as the API and the open data give it.
type openService struct {
	Content
	Provider    string    `json:"provider"` // the provider's code
	URL         string    `json:"url"`
	PublishedAt time.Time `json:"published_at"`
}

// services is a page of the published register as the API and the open
// data give it.
func (s *Site) services(ctx context.Context, limit, offset int) ([]openService, int, error) {
	ex, err := s.svc.Export(ctx, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	return openServices(ex), ex.Total, nil
}

// openServices are an export's services as the open data lists them.
func openServices(ex *Export) []openService {
	var out []openService
	for _, sv := range ex.Services {
		out = append(out, openService{Content: sv.Content, Provider: ex.ProviderCodes[sv.ProviderID], URL: "/services/" + sv.Content.Code, PublishedAt: sv.PublishedAt})
	}
	return nonNil(out)
}

func (s *Site) apiServices(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	if offset < 0 {
		offset = 0
	}
	items, total, err := s.services(r.Context(), limit, offset)
	s.writeJSON(w, r, map[string]any{"total": total, "limit": limit, "offset": offset, "items": items}, err)
}

func (s *Site) apiProviders(w http.ResponseWriter, r *http.Request) {
	ps, err := s.svc.Providers(r.Context())
	s.writeJSON(w, r, nonNil(ps), err)
}

// maxExport bounds one export; a register is hundreds of services.
const maxExport = 100000

func (s *Site) openJSON(w http.ResponseWriter, r *http.Request) {
	ex, err := s.svc.Export(r.Context(), maxExport, 0)
	if err != nil {
		s.writeJSON(w, r, nil, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="services.json"`)
	w.Header().Set("Cache-Control", "public, max-age=60")
	if err := writeOpenJSON(w, ex, time.Now()); err != nil {
		s.svc.log.ErrorContext(r.Context(), "writing services.json", "error", err)
	}
}

// writeOpenJSON writes services.json of ex, generated at now.
func writeOpenJSON(w io.Writer, ex *Export, now time.Time) error {
	parts := openPartsOf(ex)
	return json.NewEncoder(w).Encode(map[string]any{"schema": ServicesSchema, "generated_at": now.UTC(), "providers": parts.Providers,
		"life_situations": parts.LifeSituations, "centres": parts.Centres, "services": openServices(ex)})
}

// CSVHeader is the header of services.csv (docs/opendata.md).
var CSVHeader = []string{"code", "name_uk", "name_en", "provider", "user_categories", "term_days", "term_working", "free",
	"amount_uah", "iban", "recipient", "recipient_edrpou", "purpose", "ways_to_submit", "life_situations", "categories",
	"legal_basis", "documents", "result", "url"}

func (s *Site) openCSV(w http.ResponseWriter, r *http.Request) {
	ex, err := s.svc.Export(r.Context(), maxExport, 0)
	if err != nil {
		s.rd.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="services.csv"`)
	if err := writeOpenCSV(w, openServices(ex)); err != nil {
		s.svc.log.ErrorContext(r.Context(), "writing services.csv", "error", err)
	}
}

// writeOpenCSV writes services.csv of items.
func writeOpenCSV(w io.Writer, items []openService) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	join := func(ts []Text) string {
		parts := make([]string, len(ts))
		for i, t := range ts {
			parts[i] = t.UK
		}
		return strings.Join(parts, " | ")
	}
	for _, it := range items {
		amount := ""
		if !it.Fee.Free {
			amount = strconv.FormatFloat(float64(it.Fee.AmountKopecks)/100, 'f', 2, 64)
		}
		if err := cw.Write([]string{it.Code, it.Name.UK, it.Name.EN, it.Provider, strings.Join(it.UserCategories, " | "),
			strconv.Itoa(it.Term.Days), strconv.FormatBool(it.Term.Working), strconv.FormatBool(it.Fee.Free), amount, it.Fee.IBAN,
			it.Fee.Recipient, it.Fee.EDRPOU, it.Fee.Purpose, strings.Join(it.WaysToSubmit, " | "), strings.Join(it.LifeSituations, " | "),
			strings.Join(it.Categories, " | "), join(it.LegalBasis), join(names(it.Documents)), it.Result.UK, it.URL}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// openZIP is the whole register as one bundle (seed 000 item 20):
// services.json, services.csv and README.md (docs/opendata.md), one
// snapshot read in one transaction.
func (s *Site) openZIP(w http.ResponseWriter, r *http.Request) {
	ex, err := s.svc.Export(r.Context(), maxExport, 0)
	if err != nil {
		s.rd.Error(w, r, err)
		return
	}
	now := time.Now()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"services.json", func(w io.Writer) error { return writeOpenJSON(w, ex, now) }},
		{"services.csv", func(w io.Writer) error { return writeOpenCSV(w, openServices(ex)) }},
		{"README.md", func(w io.Writer) error { _, err := w.Write(docs.OpenData); return err }},
	} {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: now})
		if err == nil {
			err = f.write(fw)
		}
		if err != nil {
			s.rd.Error(w, r, fmt.Errorf("catalog: register.zip: %s: %w", f.name, err))
			return
		}
	}
	if err := zw.Close(); err != nil {
		s.rd.Error(w, r, fmt.Errorf("catalog: register.zip: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="register.zip"`)
	w.Header().Set("Cache-Control", "public, max-age=60")
	if _, err := w.Write(buf.Bytes()); err != nil {
		s.svc.log.DebugContext(r.Context(), "sending register.zip", "error", err)
	}
}
