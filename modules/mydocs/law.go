package mydocs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/applications"
	"hromada/modules/audit"
	"hromada/modules/identity"
)

// ObjByLaw is the permission to open an applicant's cabinet document
// without the applicant's consent, where the law allows, naming the law:
// a part of "applications" (a line for "applications" does not cover it),
// so a plain official never has it by default; policies/default.csv gives
// it to the provider's head at their provider.
const ObjByLaw = access.ObjApplications + "/cabinet_by_law"

// LegalGround is a ground in law for opening a person's document without
// their consent.
type LegalGround struct {
	Code string
	Law  string // the law and its article, as the person reads it
}

// LegalGrounds are the grounds an official may name, in the order the form
// offers them. Each names the law's article; the official adds the case
// (the order's number, the request's date) in words. The codes are kept
// in document_views, so a code is never reused for another ground.
var LegalGrounds = []LegalGround{
	{Code: "pdp_11_2", Law: "Закон України «Про захист персональних даних», ст. 11 ч. 1 п. 2: дозвіл на обробку, наданий законом виключно для здійснення повноважень"},
	{Code: "pdp_11_5", Law: "Закон України «Про захист персональних даних», ст. 11 ч. 1 п. 5: виконання обов’язку, передбаченого законом"},
	{Code: "pdp_11_4", Law: "Закон України «Про захист персональних даних», ст. 11 ч. 1 п. 4: захист життєво важливих інтересів особи"},
	{Code: "cpc_163", Law: "Кримінальний процесуальний кодекс України, ст. 163–164: ухвала слідчого судді, суду про тимчасовий доступ до документів"},
}

// LegalGroundOf is the ground of code, or false.
func LegalGroundOf(code string) (LegalGround, bool) {
	for _, g := range LegalGrounds {
		if g.Code == code {
			return g, true
		}
	}
	return LegalGround{}, false
}

// LawForm is what the official names to open a document by law.
type LawForm struct {
	Ground string // a LegalGrounds code
	Note   string // the case: the order, the request, its number and date
}

func (f LawForm) check() FieldErrors {
	errs := FieldErrors{}
	if _, ok := LegalGroundOf(f.Ground); !ok {
		errs["legal_ground"] = apperr.New(apperr.Invalid, "mydocs.error.legal_ground")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(f.Note)); n == 0 || n > 1000 {
		errs["legal_note"] = apperr.New(apperr.Invalid, "mydocs.error.legal_note")
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// OpenByLaw returns an applicant's document (one of theirs, or a result
// issued to them) to the signed-in official working on application app,
// without consent, recording the ground in law the official named: the
// person sees it in «Хто переглядав мої документи». The route's guard has
// checked the official holds ObjByLaw at the application's provider.
func (s *Service) OpenByLaw(ctx context.Context, app, doc uuid.UUID, f LawForm) (*Document, []byte, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return nil, nil, ErrSignedOut
	}
	if errs := f.check(); errs != nil {
		return nil, nil, errs
	}
	var d Document
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		applicant, provider, err := applications.Parties(ctx, tx, app)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		d, err = scanDoc(tx.QueryRow(ctx, `SELECT `+docColumns+` FROM `+docsSQL+` WHERE id = $1 AND account_id = $2`, doc, applicant))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := recordView(ctx, tx, viewRow{doc: d, viewer: sg, provider: provider, app: app, ground: "law",
			legalGround: f.Ground, legalNote: strings.TrimSpace(f.Note)}, s.now()); err != nil {
			return err
		}
		if s.audit == nil {
			return nil
		}
		_, err = s.audit.Record(ctx, tx, audit.Event{Actor: audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName},
			Action: "mydocs.open_by_law", ObjectType: "application", ObjectID: app.String(),
			Details: map[string]any{"document": d.ID.String(), "kind": d.Kind, "legal_ground": f.Ground, "legal_note": strings.TrimSpace(f.Note)}})
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("mydocs: open %s by law: %w", doc, err)
	}
	b, err := s.read(ctx, &d)
	return &d, b, err
}

// Withheld are the applicant's documents no active consent lets app's
// provider open: what an official holding ObjByLaw may open by law.
func (s *Service) Withheld(ctx context.Context, app uuid.UUID, shared *Shared) ([]Document, error) {
	var out []Document
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		applicant, _, err := applications.Parties(ctx, tx, app)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+docColumns+` FROM `+docsSQL+` WHERE account_id = $1 ORDER BY created_at DESC`, applicant)
		if err != nil {
			return err
		}
		docs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Document, error) { return scanDoc(r) })
		for _, d := range docs {
			if _, ok := shared.Until[d.ID]; !ok {
				out = append(out, d)
			}
		}
		return err
	})
	return out, err
}

// CopyOpened records, for the person, an official's opening of a file of
// application app that is the copy of a cabinet document the person
// attached (AttachTo): applications calls it on every staff download of
// an application's file (Service.FileOpened), in a transaction of its own
// before the bytes go out. A file that is no such copy records nothing.
func (s *Service) CopyOpened(ctx context.Context, app uuid.UUID, key string) error {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return ErrSignedOut
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var d Document
		err := tx.QueryRow(ctx, `SELECT document_id, account_id, coalesce(
				(SELECT title FROM my_documents WHERE id = v.document_id),
				(SELECT title FROM issued_documents WHERE id = v.document_id), '')
			FROM document_views v WHERE ground = 'attached' AND copy_key = $1 AND application_id = $2 LIMIT 1`, key, app).
			Scan(&d.ID, &d.Account, &d.Title)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("mydocs: the copy %s: %w", key, err)
		}
		if d.Account == sg.AccountID {
			return nil // the person themselves
		}
		_, provider, err := applications.Parties(ctx, tx, app)
		if err != nil {
			return fmt.Errorf("mydocs: the copy %s: %w", key, err)
		}
		return recordView(ctx, tx, viewRow{doc: d, viewer: sg, provider: provider, app: app, ground: "copy"}, s.now())
	})
}
