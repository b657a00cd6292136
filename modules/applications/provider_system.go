package applications

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/docstore"
	"hromada/modules/signature"
	"hromada/modules/trustlist"
	"hromada/tenant"
)

// What a provider's own information system (modules/provsys) reads and
// does. The system takes an application instead of the officials (the
// Handover seam) and answers through the provider API; each answer moves
// the application here, through the same state machine, in the callback's
// own transaction, so that the callback's record and its effect commit
// together and a replay changes nothing.

// HandedApplication is an application as it is handed to a provider's
// system: the application, its files (the resident's attachments and
// answers) and the applicant's last answer to a clarification.
type HandedApplication struct {
	App    *Application
	Files  []File
	Answer string
}

// Handed reads an application as it is handed to a provider's system.
func Handed(ctx context.Context, tx pgx.Tx, id uuid.UUID) (*HandedApplication, error) {
	app, err := applicationByID(ctx, tx, id, false)
	if err != nil {
		return nil, err
	}
	h := &HandedApplication{App: app}
	if h.Files, err = files(ctx, tx, id, "attachment", "answer"); err != nil {
		return nil, err
	}
	evs, err := events(ctx, tx, id)
	for _, e := range evs {
		if e.To == Resubmitted {
			h.Answer = e.Comment
		}
	}
	return h, err
}

// HandedFile is one of the files Handed lists, with the application's
// provider (so a system reaches only its provider's files).
func HandedFile(ctx context.Context, tx pgx.Tx, app, file uuid.UUID) (File, uuid.UUID, error) {
	h, err := Handed(ctx, tx, app)
	if err != nil {
		return File{}, uuid.Nil, err
	}
	f, ok := fileOf(h.Files, file)
	if !ok {
		return File{}, uuid.Nil, ErrNotFound
	}
	return f, h.App.ProviderID, nil
}

// SystemAct is a move a provider's system makes.
type SystemAct struct {
	// Provider is the system's provider: another provider's application
	// is not found.
	Provider uuid.UUID
	// System is the system's name, as the application's history shows it.
	System  string
	To      Status // InReview or Clarification
	Comment string
}

// MoveBySystem takes an application into work or asks its applicant for
// clarification, as the provider's system says, in tx.
func (s *Service) MoveBySystem(ctx context.Context, tx pgx.Tx, id uuid.UUID, act SystemAct) error {
	app, err := s.systemApp(ctx, tx, id, act.Provider, act.To)
	if err != nil {
		return err
	}
	comment, action := strings.TrimSpace(act.Comment), "take"
	if act.To == Clarification {
		if comment == "" {
			return ErrNeedComment
		}
		if err := s.pauseTerm(ctx, tx, app, uuid.Nil, ""); err != nil {
			return err
		}
		action = "clarify"
	} else if act.To != InReview {
		return ErrTransition
	}
	return s.systemMove(ctx, tx, app, act.To, act.System, comment, action)
}

// systemApp is the application, locked, when the system's provider may
// move it to to.
func (s *Service) systemApp(ctx context.Context, tx pgx.Tx, id, provider uuid.UUID, to Status) (*Application, error) {
	app, err := applicationByID(ctx, tx, id, true)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && app.ProviderID != provider {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if !CanMove(app.Status, to, ProviderSystem) {
		return nil, ErrTransition
	}
	return app, nil
}

// systemMove writes a move of the system's: the status, the history, the
// applicant's notice and the audit record.
func (s *Service) systemMove(ctx context.Context, tx pgx.Tx, app *Application, to Status, system, comment, action string) error {
	if err := setStatus(ctx, tx, app.ID, to); err != nil {
		return err
	}
	if err := addEvent(ctx, tx, app.ID, app.Status, to, ProviderSystem, nil, system, comment); err != nil {
		return err
	}
	app.Status = to
	if err := s.notify(ctx, tx, app, noticeKind(to), "notify."+string(app.ShownFor(to)),
		map[string]any{"Number": app.Number, "Service": app.ServiceName.UK, "Comment": comment}); err != nil {
		return err
	}
	return s.eventWith(ctx, tx, "system."+action, app, uuid.Nil, "", map[string]any{"system": system})
}

// SystemDocument is a result document a provider's system sent, verified
// and stored (not yet recorded: IssueBySystem does that).
type SystemDocument struct {
	ID        uuid.UUID
	Title     string
	PDF       File
	Signature File
	// Official: signed by an official of the provider (a qualified
	// signature); otherwise sealed with the provider's e-seal.
	Official bool
	Signer   string // the certificate's subject
}

// StoreSystemDocument verifies a result document a provider's system sent
// for application id — its detached CAdES signature, by an official (a
// signature) or the provider (a seal), against the city's trust list as
// the verification page checks the platform's own — and stores both in
// the document store. ErrSignature when it does not verify.
func (s *Service) StoreSystemDocument(ctx context.Context, id uuid.UUID, title, name string, pdf, cms []byte) (*SystemDocument, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	var (
		app           *Application
		signed, seals trustAnchors
	)
	err = s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if app, err = applicationByID(ctx, tx, id, false); err != nil {
			return err
		}
		if signed, err = roots(ctx, tx, s.now(), trustlist.ForSignatures); err != nil {
			return err
		}
		seals, err = roots(ctx, tx, s.now(), trustlist.ForSeals)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	d := &SystemDocument{ID: uuid.New(), Title: title, Official: true}
	signer, err := signature.VerifyDetached(pdf, cms, signed.options(signature.VerifyOptions{External: s.External, Received: s.now()}))
	if err != nil {
		d.Official = false
		var serr error
		if signer, serr = signature.VerifyDetached(pdf, cms, seals.options(signature.VerifyOptions{Seal: true, External: s.External, Received: s.now()})); serr != nil {
			return nil, ErrSignature.Wrap(errors.Join(err, serr))
		}
	}
	d.Signer = signer.CommonName
	put := func(kind, name, ctype string, b []byte) (File, error) {
		key := docstore.TenantKey(t.ID, "applications/"+id.String()+"/"+kind+"-"+uuid.NewString())
		stored, err := s.Docs.PutDocument(ctx, key, bytes.NewReader(b), int64(len(b)), docstore.Meta{ContentType: ctype, Class: docstore.ClassResult,
			Provenance: docstore.Provenance{Origin: signer.CommonName, Destination: app.Applicant, SentAt: s.now()}})
		return File{Kind: kind, Name: name, ContentType: ctype, Size: int64(len(b)), SHA256: stored.SHA256, Key: key}, err
	}
	if d.PDF, err = put(kindDecision, name, "application/pdf", pdf); err != nil {
		return nil, err
	}
	if d.Signature, err = put(kindDecisionSignature, name+".p7s", "application/pkcs7-signature", cms); err != nil {
		return nil, err
	}
	return d, nil
}

// SystemResult is the decision a provider's system made and its document.
type SystemResult struct {
	SystemAct
	Decision Status // Approved or Refused
	Grounds  string // a refusal's, one of the service's grounds
	// Position and FullName are the official who decided, as the system
	// names them (seed 003 §5.8).
	Position, FullName string
	Document           *SystemDocument
}

// IssueBySystem records the system's decision, when the application is
// still in review, and issues its document, in tx: the applicant sees it
// in the cabinet and anyone may verify it, as the platform's own.
func (s *Service) IssueBySystem(ctx context.Context, tx pgx.Tx, id uuid.UUID, r SystemResult) error {
	if r.Document == nil || r.Decision != Approved && r.Decision != Refused {
		return ErrTransition
	}
	app, err := applicationByID(ctx, tx, id, true)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && app.ProviderID != r.Provider {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	comment := strings.TrimSpace(r.Comment)
	if app.Status == InReview {
		if !CanMove(app.Status, r.Decision, ProviderSystem) {
			return ErrTransition
		}
		grounds := strings.TrimSpace(r.Grounds)
		if r.Decision == Refused {
			list, err := refusalGrounds(ctx, tx, app.ServiceID)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(list, func(t tenant.Text) bool { return t.UK == grounds }) {
				return ErrNeedGrounds
			}
		} else {
			grounds = ""
		}
		if _, err := tx.Exec(ctx, `UPDATE applications SET decision = $2, grounds = $3, decided_by = NULL, decided_position = $4, decided_name = $5,
			decided_at = $6 WHERE id = $1`, id, string(r.Decision), grounds, r.Position, r.FullName, s.now()); err != nil {
			return err
		}
		app.Decision, app.Grounds, app.DecidedPos, app.DecidedName = string(r.Decision), grounds, r.Position, r.FullName
		if err := s.systemMove(ctx, tx, app, r.Decision, r.System, comment, map[Status]string{Approved: "approve", Refused: "refuse"}[r.Decision]); err != nil {
			return err
		}
	}
	if !CanMove(app.Status, Issued, ProviderSystem) || app.Decision != string(r.Decision) {
		return ErrTransition
	}
	for _, f := range []File{r.Document.PDF, r.Document.Signature} {
		if _, err := addFile(ctx, tx, id, f, nil); err != nil {
			return err
		}
	}
	issuer := r.System
	if r.Document.Signer != "" {
		issuer = r.Document.Signer
	}
	if err := recordIssued(ctx, tx, app, r.Document.ID, r.Document.Title, r.Document.PDF, r.Document.Signature, issuer, r.Document.Official); err != nil {
		return err
	}
	if err := s.refundIfRefused(ctx, tx, app); err != nil {
		return err
	}
	return s.systemMove(ctx, tx, app, Issued, r.System, comment, "issue")
}
