package applications

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Ready is an issued application's result as its page shows it first: the
// document to download (the sealed result of automatic mode or the
// official's signed decision), its signature, its verification page and,
// for a refusal, how to appeal — at the top of the page, where a person on
// a phone sees it without scrolling.
type Ready struct {
	Document  uuid.UUID // the issued document, for its verification page
	Title     string    // «Витяг з …», «Рішення про відмову …»
	PDF       File
	Signature File
	// AppealTo and AppealTerms say how to appeal a refusal: the service's
	// own words and the terms the law sets.
	AppealTo, AppealTerms string
}

// ready reads the issued document of app among its files; nil when it has
// none (an application issued before decisions were documents).
func ready(ctx context.Context, tx pgx.Tx, app *Application, fs []File) (*Ready, error) {
	var (
		r              Ready
		pdfKey, sigKey string
	)
	err := tx.QueryRow(ctx, `SELECT id, title, pdf_key, signature_key FROM issued_documents WHERE application_id = $1`, app.ID).
		Scan(&r.Document, &r.Title, &pdfKey, &sigKey)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("applications: the issued document of %s: %w", app.ID, err)
	}
	var found int
	for _, f := range fs {
		switch f.Key {
		case pdfKey:
			r.PDF, found = f, found+1
		case sigKey:
			r.Signature, found = f, found+1
		}
	}
	if found != 2 {
		return nil, fmt.Errorf("applications: the issued document %s of %s is not among its files", r.Document, app.ID)
	}
	if app.Decision == string(Refused) {
		if r.AppealTo, err = appealOf(ctx, tx, app.ServiceID); err != nil {
			return nil, err
		}
		r.AppealTerms = appealTerms
	}
	return &r, nil
}

// ReadyItem is a result the cabinet lists first: a recently issued
// application, its document's title and the PDF to download.
type ReadyItem struct {
	App   *Application
	Title string
	PDF   uuid.UUID // the file's id among the application's files
}

// readyFor is how long an issued result stays first in the cabinet.
const readyFor = 30 * 24 * time.Hour

// readyResults are the results among apps issued since since, newest
// first, at most three: what the cabinet puts above the list.
func readyResults(ctx context.Context, tx pgx.Tx, apps []*Application, since time.Time) ([]ReadyItem, error) {
	byID := map[uuid.UUID]*Application{}
	var ids []uuid.UUID
	for _, a := range apps {
		if a.Status == Issued {
			byID[a.ID] = a
			ids = append(ids, a.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT d.application_id, d.title, f.id FROM issued_documents d
		JOIN application_files f ON f.tenant_id = d.tenant_id AND f.application_id = d.application_id AND f.object_key = d.pdf_key
		WHERE d.application_id = ANY($1) AND d.issued_at >= $2 ORDER BY d.issued_at DESC LIMIT 3`, ids, since)
	if err != nil {
		return nil, fmt.Errorf("applications: the cabinet's ready results: %w", err)
	}
	var out []ReadyItem
	for rows.Next() {
		var (
			it  ReadyItem
			app uuid.UUID
		)
		if err := rows.Scan(&app, &it.Title, &it.PDF); err != nil {
			return nil, err
		}
		it.App = byID[app]
		out = append(out, it)
	}
	return out, rows.Err()
}
