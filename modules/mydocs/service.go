package mydocs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/applications"
	"hromada/modules/docstore"
	"hromada/modules/identity"
	"hromada/modules/uploads"
	"hromada/tenant"
)

// Errors the pages show.
var (
	ErrNotFound  = apperr.New(apperr.NotFound, "error.not_found")
	ErrNoConsent = apperr.New(apperr.Forbidden, "mydocs.error.no_consent")
	ErrSignedOut = apperr.New(apperr.Forbidden, "error.forbidden")
	errNoFile    = apperr.New(apperr.Invalid, "mydocs.error.no_file")
	// ErrResultKept: an issued result is kept as its case is (retention);
	// the person cannot delete it.
	ErrResultKept = apperr.New(apperr.Conflict, "mydocs.error.result_kept")
)

// VideoMaxBytes bounds a short video: a minute or so from a phone.
const VideoMaxBytes int64 = 50 << 20

// Limits are what a cabinet document may be: a scan or a photo (PDF, JPEG,
// PNG, or a .p7s signature) of up to 10 MB, or a short video (MP4, WebM)
// of up to 50 MB, kept as a temporary document (the person's own, so
// deletable at once).
var Limits = uploads.Limits{Class: docstore.ClassTemporary,
	Types:        append(append([]string{}, uploads.DefaultTypes...), uploads.VideoTypes...),
	TypeMaxBytes: map[string]int64{"video/mp4": VideoMaxBytes, "video/webm": VideoMaxBytes}}

// UploadForm is the upload's fields besides the file.
type UploadForm struct {
	ID        string // made by the page: a double submit keeps one document
	Kind      string
	Title     string
	ExpiresOn string // YYYY-MM-DD, optional
}

// FieldErrors are a form's errors by field.
type FieldErrors map[string]*apperr.Error

func (e FieldErrors) Error() string { return fmt.Sprintf("mydocs: %d invalid fields", len(e)) }

// check returns the document f describes (without its file), or its
// fields' errors.
func (f *UploadForm) check(account uuid.UUID) (*Document, FieldErrors) {
	errs := FieldErrors{}
	d := &Document{Account: account, Kind: f.Kind, Title: strings.TrimSpace(f.Title)}
	var err error
	if d.ID, err = uuid.Parse(f.ID); err != nil {
		errs["file"] = apperr.New(apperr.Invalid, "mydocs.error.stale")
	}
	known := false
	for _, k := range Kinds {
		known = known || k == d.Kind
	}
	if !known {
		errs["kind"] = apperr.New(apperr.Invalid, "mydocs.error.kind")
	}
	if n := len([]rune(d.Title)); n == 0 || n > 200 {
		errs["title"] = apperr.New(apperr.Invalid, "mydocs.error.title")
	}
	if v := strings.TrimSpace(f.ExpiresOn); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			errs["expires_on"] = apperr.New(apperr.Invalid, "mydocs.error.expires")
		}
		d.ExpiresOn = &t
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return d, nil
}

// Upload keeps the signed-in person's document: f's fields, the file read
// from r (name as the browser gave it). The form sent twice keeps one.
func (s *Service) Upload(ctx context.Context, f *UploadForm, name string, r io.Reader) (*Document, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return nil, ErrSignedOut
	}
	d, errs := f.check(sg.AccountID)
	if errs != nil {
		return nil, errs
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	if existing, err := s.document(ctx, sg.AccountID, d.ID); err == nil {
		return existing, nil // the same form again
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	file, err := uploads.Accept(ctx, s.docs, t.ID, "mydocs/"+sg.AccountID.String(), name, r, Limits)
	if err != nil {
		return nil, FieldErrors{"file": apperr.As(err)}
	}
	d.FileKey, d.FileName, d.ContentType, d.Size, d.SHA256 = file.Key, file.Name, file.ContentType, file.Size, file.SHA256
	err = s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO my_documents (tenant_id, id, account_id, kind, title, expires_on, file_key, file_name, content_type, size, sha256, created_at)
			VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (tenant_id, id) DO NOTHING`,
			d.ID, d.Account, d.Kind, d.Title, d.ExpiresOn, d.FileKey, d.FileName, d.ContentType, d.Size, d.SHA256, s.now())
		if err == nil && tag.RowsAffected() == 0 {
			return errors.New("mydocs: the form's id was taken meanwhile")
		}
		return err
	})
	if err != nil {
		s.forget(ctx, d.FileKey)
		return nil, fmt.Errorf("mydocs: upload: %w", err)
	}
	return d, nil
}

// forget deletes a stored file that no row names (an upload that failed
// after storing), logging a failure: a stray temporary file harms nobody.
func (s *Service) forget(ctx context.Context, key string) {
	if err := s.docs.Delete(ctx, key); err != nil && !errors.Is(err, docstore.ErrNotFound) {
		s.log.WarnContext(ctx, "mydocs: a stray file stays", "key", key, "err", err)
	}
}

const docColumns = `id, account_id, kind, title, expires_on, file_key, file_name, content_type, size, sha256, created_at`

// docsSQL is every document of the cabinet: the person's own, not
// deleted, and the results issued to them (KindResult). A result is read
// where the applications module keeps it (its issued_documents row and
// its PDF among the application's files) rather than copied: nothing to
// keep in step, a result issued before this existed shows too, and it
// lives exactly as long as its case (retention), whatever the person
// does here. Its id is the issued document's.
const docsSQL = `(
	SELECT ` + docColumns + ` FROM my_documents WHERE deleted_at IS NULL
	UNION ALL
	SELECT i.id, a.applicant_id, 'result', i.title, NULL::date, f.object_key, f.name, f.content_type, f.size, f.sha256, i.issued_at
	FROM issued_documents i JOIN applications a ON a.id = i.application_id
	JOIN application_files f ON f.application_id = i.application_id AND f.object_key = i.pdf_key
) d`

func scanDoc(row pgx.Row) (Document, error) {
	var d Document
	err := row.Scan(&d.ID, &d.Account, &d.Kind, &d.Title, &d.ExpiresOn, &d.FileKey, &d.FileName, &d.ContentType, &d.Size, &d.SHA256, &d.CreatedAt)
	return d, err
}

func (s *Service) document(ctx context.Context, account, id uuid.UUID) (*Document, error) {
	var d Document
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		d, err = scanDoc(tx.QueryRow(ctx, `SELECT `+docColumns+` FROM `+docsSQL+` WHERE id = $1 AND account_id = $2`, id, account))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("mydocs: document %s: %w", id, err)
	}
	return &d, nil
}

// Cabinet is what the person's documents page shows.
type Cabinet struct {
	Documents []Document
	Consents  []Consent
	Views     []View
	Providers []Provider // whom consent may be given to
	Today     time.Time
}

// Provider is a provider consent may be given to.
type Provider struct {
	ID   uuid.UUID
	Name tenant.Text
}

// Mine reads the person's documents, consents and the views of them.
func (s *Service) Mine(ctx context.Context, account uuid.UUID) (*Cabinet, error) {
	c := &Cabinet{Today: s.today()}
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+docColumns+` FROM `+docsSQL+` WHERE account_id = $1 ORDER BY created_at DESC`, account)
		if err != nil {
			return err
		}
		if c.Documents, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Document, error) { return scanDoc(r) }); err != nil {
			return err
		}
		if c.Consents, err = consents(ctx, tx, account, uuid.Nil); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `
			SELECT v.at, coalesce(d.title, i.title, ''), v.viewer_name, coalesce(p.name_uk, ''), coalesce(p.name_en, ''), v.application_id, v.ground,
				coalesce(v.legal_ground, ''), coalesce(v.legal_note, '')
			FROM document_views v LEFT JOIN my_documents d ON d.id = v.document_id LEFT JOIN issued_documents i ON i.id = v.document_id
			LEFT JOIN providers p ON p.id = v.provider_id
			WHERE v.account_id = $1 ORDER BY v.at DESC LIMIT 200`, account)
		if err != nil {
			return err
		}
		if c.Views, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (View, error) {
			var v View
			return v, r.Scan(&v.At, &v.DocumentTitle, &v.ViewerName, &v.ProviderName.UK, &v.ProviderName.EN, &v.Application, &v.Ground, &v.LegalGround, &v.LegalNote)
		}); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT id, name_uk, coalesce(name_en, '') FROM providers ORDER BY name_uk`)
		if err != nil {
			return err
		}
		c.Providers, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Provider, error) {
			var p Provider
			return p, r.Scan(&p.ID, &p.Name.UK, &p.Name.EN)
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("mydocs: cabinet: %w", err)
	}
	return c, nil
}

// consents are account's consents, newest first; to provider only unless
// provider is uuid.Nil.
func consents(ctx context.Context, tx pgx.Tx, account, provider uuid.UUID) ([]Consent, error) {
	rows, err := tx.Query(ctx, `
		SELECT c.id, c.provider_id, p.name_uk, coalesce(p.name_en, ''), c.document_ids, c.valid_until, c.created_at, c.revoked_at
		FROM document_consents c JOIN providers p ON p.id = c.provider_id
		WHERE c.account_id = $1 AND ($2 = '00000000-0000-0000-0000-000000000000'::uuid OR c.provider_id = $2)
		ORDER BY c.created_at DESC`, account, provider)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Consent, error) {
		var c Consent
		return c, r.Scan(&c.ID, &c.Provider, &c.ProviderName.UK, &c.ProviderName.EN, &c.Documents, &c.ValidUntil, &c.CreatedAt, &c.RevokedAt)
	})
}

// File returns the person's own document's bytes.
func (s *Service) File(ctx context.Context, account, id uuid.UUID) (*Document, []byte, error) {
	d, err := s.document(ctx, account, id)
	if err != nil {
		return nil, nil, err
	}
	b, err := s.read(ctx, d)
	return d, b, err
}

func (s *Service) read(ctx context.Context, d *Document) ([]byte, error) {
	rc, err := s.docs.GetVerified(ctx, d.FileKey, d.SHA256)
	if err != nil {
		return nil, fmt.Errorf("mydocs: file %s: %w", d.ID, err)
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("mydocs: file %s: %w", d.ID, err)
	}
	return b, nil
}

// Delete removes the person's document and its file. The record of who
// opened it stays (its title with it), so the history is whole. A result
// the city issued is ErrResultKept.
func (s *Service) Delete(ctx context.Context, account, id uuid.UUID) error {
	d, err := s.document(ctx, account, id)
	if err != nil {
		return err
	}
	if d.Result() {
		return ErrResultKept
	}
	err = s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE my_documents SET deleted_at = $3 WHERE id = $1 AND account_id = $2 AND deleted_at IS NULL`, id, account, s.now())
		return err
	})
	if err != nil {
		return fmt.Errorf("mydocs: delete %s: %w", id, err)
	}
	s.forget(ctx, d.FileKey)
	return nil
}

// ConsentForm is the consent's fields as typed.
type ConsentForm struct {
	Provider   string
	Documents  []string // none: all
	ValidUntil string   // YYYY-MM-DD
}

// Grant records the person's consent for a provider's officials.
func (s *Service) Grant(ctx context.Context, account uuid.UUID, f ConsentForm) error {
	errs := FieldErrors{}
	provider, err := uuid.Parse(f.Provider)
	if err != nil {
		errs["provider"] = apperr.New(apperr.Invalid, "mydocs.error.provider")
	}
	until, err := time.Parse(time.DateOnly, strings.TrimSpace(f.ValidUntil))
	switch {
	case err != nil:
		errs["valid_until"] = apperr.New(apperr.Invalid, "mydocs.error.until")
	case until.Before(s.today()):
		errs["valid_until"] = apperr.New(apperr.Invalid, "mydocs.error.until_past")
	}
	var docs []uuid.UUID
	for _, v := range f.Documents {
		id, err := uuid.Parse(v)
		if err != nil {
			errs["documents"] = apperr.New(apperr.Invalid, "mydocs.error.documents")
			break
		}
		docs = append(docs, id)
	}
	if len(errs) > 0 {
		return errs
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		// Only the person's own documents can be named.
		if len(docs) > 0 {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+docsSQL+` WHERE id = ANY($1) AND account_id = $2`, docs, account).Scan(&n); err != nil {
				return err
			}
			if n != len(docs) {
				return FieldErrors{"documents": apperr.New(apperr.Invalid, "mydocs.error.documents")}
			}
		}
		var known bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM providers WHERE id = $1)`, provider).Scan(&known); err != nil {
			return err
		}
		if !known {
			return FieldErrors{"provider": apperr.New(apperr.Invalid, "mydocs.error.provider")}
		}
		_, err := tx.Exec(ctx, `INSERT INTO document_consents (tenant_id, id, account_id, provider_id, document_ids, valid_until, created_at)
			VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6)`, uuid.New(), account, provider, docs, until, s.now())
		return err
	})
}

// Revoke ends the person's consent id at once.
func (s *Service) Revoke(ctx context.Context, account, id uuid.UUID) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE document_consents SET revoked_at = $3 WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL`, id, account, s.now())
		return err
	})
}

// Shared is what an official sees of an applicant's cabinet documents on
// an application: those the applicant's active consents let the
// application's provider open.
type Shared struct {
	Application uuid.UUID
	Documents   []Document
	Until       map[uuid.UUID]time.Time // the consent's end, by document
}

// ForApplication returns the applicant's documents the application's
// provider may open now. The route's guard has checked the official may
// read the application.
func (s *Service) ForApplication(ctx context.Context, app uuid.UUID) (*Shared, error) {
	out := &Shared{Application: app, Until: map[uuid.UUID]time.Time{}}
	today := s.today()
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		applicant, provider, err := applications.Parties(ctx, tx, app)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		cs, err := consents(ctx, tx, applicant, provider)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+docColumns+` FROM `+docsSQL+` WHERE account_id = $1 ORDER BY created_at DESC`, applicant)
		if err != nil {
			return err
		}
		docs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Document, error) { return scanDoc(r) })
		if err != nil {
			return err
		}
		for _, d := range docs {
			for _, c := range cs {
				if c.Active(today) && c.Covers(d.ID) {
					out.Documents = append(out.Documents, d)
					out.Until[d.ID] = c.ValidUntil
					break
				}
			}
		}
		return nil
	})
	return out, err
}

// Open returns an applicant's document to the signed-in official working
// on application app, if an active consent of the applicant lets the
// application's provider open it, and records the opening; without one it
// records the refused attempt (in a transaction of its own, so it stays)
// and returns ErrNoConsent.
func (s *Service) Open(ctx context.Context, app, doc uuid.UUID) (*Document, []byte, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return nil, nil, ErrSignedOut
	}
	today := s.today()
	var d Document
	var allowed *Consent
	var provider uuid.UUID
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		applicant, prov, err := applications.Parties(ctx, tx, app)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		provider = prov
		d, err = scanDoc(tx.QueryRow(ctx, `SELECT `+docColumns+` FROM `+docsSQL+` WHERE id = $1 AND account_id = $2`, doc, applicant))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		cs, err := consents(ctx, tx, applicant, provider)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if c.Active(today) && c.Covers(doc) {
				allowed = &c
				break
			}
		}
		if allowed == nil {
			return nil
		}
		return recordView(ctx, tx, viewRow{doc: d, viewer: sg, provider: provider, app: app, ground: "consent", consent: &allowed.ID}, s.now())
	})
	if err != nil {
		return nil, nil, fmt.Errorf("mydocs: open %s: %w", doc, err)
	}
	if allowed == nil {
		err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			return recordView(ctx, tx, viewRow{doc: d, viewer: sg, provider: provider, app: app, ground: "refused"}, s.now())
		})
		if err != nil {
			return nil, nil, fmt.Errorf("mydocs: open %s: %w", doc, err)
		}
		return nil, nil, ErrNoConsent
	}
	b, err := s.read(ctx, &d)
	return &d, b, err
}

// viewRow is a document_views row to record.
type viewRow struct {
	doc                    Document
	viewer                 *identity.Signed
	provider, app          uuid.UUID // provider: uuid.Nil when the person attached it
	ground                 string
	consent                *uuid.UUID
	copyKey                string // attached: the application's copy
	legalGround, legalNote string // law
}

func recordView(ctx context.Context, tx pgx.Tx, v viewRow, at time.Time) error {
	var prov *uuid.UUID
	if v.provider != uuid.Nil {
		prov = &v.provider
	}
	null := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	_, err := tx.Exec(ctx, `INSERT INTO document_views (tenant_id, id, document_id, account_id, viewer_id, viewer_name, provider_id, application_id, ground, consent_id,
			copy_key, legal_ground, legal_note, at)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		uuid.New(), v.doc.ID, v.doc.Account, v.viewer.AccountID, v.viewer.FullName, prov, v.app, v.ground, v.consent,
		null(v.copyKey), null(v.legalGround), null(v.legalNote), at)
	return err
}
