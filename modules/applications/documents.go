package applications

import (
	"context"
	"fmt"
	"io"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/catalog"
	"hromada/modules/forms"
	"hromada/modules/uploads"
	"hromada/tenant"
)

// The documents step: the service's documents as the register lists them
// (the catalog's content.documents), how an online application needs
// each (the form's documents), and the files attached for each. A
// required document without a file stops the signing, on the page and in
// Submit, whatever sent the request.

// ErrMissingDocument is a required document with no file attached; Args
// Document is its name.
var ErrMissingDocument = apperr.New(apperr.Invalid, "error.documents_missing")

// ErrNoDocument is a file attached as none of the service's documents.
var ErrNoDocument = apperr.New(apperr.Invalid, "error.upload_no_document")

// DocumentItem is one document of the service's list.
type DocumentItem struct {
	N     int // its place in the register's list, from 1
	Name  catalog.Text
	Need  string // forms.NeedRequired, NeedOptional or NeedReplaced
	Files []File
}

// DocumentList is a draft's documents step.
type DocumentList struct {
	Items []DocumentItem
	Other []File // attachments not attached as one of the documents
	all   []File // every attachment in the order files() reads them, as the signed content lists them
}

// Missing returns the required documents with no file.
func (l *DocumentList) Missing() []DocumentItem {
	var out []DocumentItem
	for _, it := range l.Items {
		if it.Need == forms.NeedRequired && len(it.Files) == 0 {
			out = append(out, it)
		}
	}
	return out
}

// Documents reads the owner's draft with its documents step, in one read
// transaction.
func (s *Service) Documents(ctx context.Context, o Owner, id uuid.UUID) (*Application, *DocumentList, error) {
	var (
		app  *Application
		list *DocumentList
	)
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if app, err = ownedApplication(ctx, tx, o, id, false); err != nil {
			return err
		}
		f, err := s.form(ctx, tx, app.FormID)
		if err != nil {
			return err
		}
		list, err = documentList(ctx, tx, f, app)
		return err
	})
	return app, list, err
}

func documentList(ctx context.Context, tx pgx.Tx, f *forms.Form, app *Application) (*DocumentList, error) {
	docs, err := serviceDocuments(ctx, tx, app.ServiceID)
	if err != nil {
		return nil, err
	}
	fs, err := files(ctx, tx, app.ID, "attachment")
	if err != nil {
		return nil, err
	}
	return newDocumentList(f, docs, fs), nil
}

// newDocumentList is the list of the service's documents docs with the
// draft's attachments fs in their places.
func newDocumentList(f *forms.Form, docs []catalog.Text, fs []File) *DocumentList {
	l := &DocumentList{all: fs}
	for i, d := range docs {
		l.Items = append(l.Items, DocumentItem{N: i + 1, Name: d, Need: f.Need(i + 1)})
	}
	for _, fl := range fs {
		if fl.Document >= 1 && fl.Document <= len(l.Items) {
			l.Items[fl.Document-1].Files = append(l.Items[fl.Document-1].Files, fl)
		} else {
			l.Other = append(l.Other, fl)
		}
	}
	return l
}

// requireDocuments refuses a draft whose required documents lack a file.
// It returns the list, whose files the submission signs (read once).
func requireDocuments(l *DocumentList) (*DocumentList, error) {
	if m := l.Missing(); len(m) > 0 {
		return nil, ErrMissingDocument.With(map[string]any{"Document": m[0].Name.UK, "N": m[0].N})
	}
	return l, nil
}

// serviceDocuments is the service's list of documents in the register.
func serviceDocuments(ctx context.Context, tx pgx.Tx, service uuid.UUID) ([]catalog.Text, error) {
	var docs []catalog.Text
	if err := tx.QueryRow(ctx, `SELECT coalesce(content->'documents', '[]') FROM services WHERE id = $1`, service).Scan(&docs); err != nil {
		return nil, fmt.Errorf("applications: the service's documents: %w", err)
	}
	return docs, nil
}

// AttachDocument stores an uploaded file as document n (from 1; 0 for
// none in particular) of the owner's draft. A document the form says is
// not attached online, or a place not in the list, is ErrNoDocument.
func (s *Service) AttachDocument(ctx context.Context, o Owner, id uuid.UUID, n int, name string, r io.Reader, lim uploads.Limits) (*uploads.File, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	app, list, err := s.Documents(ctx, o, id)
	if err != nil {
		return nil, err
	}
	if app.Status != Draft {
		return nil, ErrTransition
	}
	if n < 0 || n > len(list.Items) || (n > 0 && list.Items[n-1].Need == forms.NeedReplaced) {
		return nil, ErrNoDocument
	}
	up, err := uploads.Accept(ctx, s.Docs, t.ID, "applications/"+id.String(), name, r, lim)
	if err != nil {
		return nil, err
	}
	err = s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		app, err := ownedApplication(ctx, tx, o, id, true)
		if err != nil {
			return err
		}
		if app.Status != Draft {
			return ErrTransition
		}
		_, err = addFile(ctx, tx, id, File{Kind: "attachment", Name: up.Name, ContentType: up.ContentType, Size: up.Size, SHA256: up.SHA256,
			Key: up.Key, Document: n}, &o.AccountID)
		return err
	})
	return up, err
}
