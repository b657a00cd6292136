package applications

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/access"
	"hromada/modules/docstore"
	"hromada/modules/forms"
	"hromada/modules/payments"
	"hromada/modules/signature"
	"hromada/modules/trustlist"
	"hromada/modules/uploads"
	"hromada/tenant"
)

// The officials' side (seed 003 §5.6, §3.1.9). Routes check that the
// official holds applications:process at the application's provider; the
// methods check the transitions.

// Queue lists a provider's applications with the workspace's counts.
func (s *Service) Queue(ctx context.Context, f ListFilter) ([]*Application, Counts, error) {
	var (
		apps []*Application
		c    Counts
	)
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		apps, c, err = queue(ctx, tx, f, s.now().In(tenant.Zone))
		return err
	})
	return apps, c, err
}

// Desk is a provider's queue as the official's entry page shows it: the
// new work, the overdue count and the applications due soonest.
type Desk struct {
	Provider uuid.UUID
	New      int
	Counts   Counts
	Soonest  []*Application // open applications, soonest deadline first
	Now      time.Time      // the city's local time the deadlines are read at
}

// Desks reads, per provider, its queue's numbers and its n open
// applications due soonest, in one read transaction for all the providers.
func (s *Service) Desks(ctx context.Context, providers []uuid.UUID, n int) ([]Desk, error) {
	var out []Desk
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		now := s.now().In(tenant.Zone)
		for _, p := range providers {
			apps, c, err := queue(ctx, tx, ListFilter{Provider: p, Open: true, Limit: n}, now)
			if err != nil {
				return fmt.Errorf("applications: the desk of provider %s: %w", p, err)
			}
			out = append(out, Desk{Provider: p, New: c.Of(string(Received)) + c.Of(string(Resubmitted)), Counts: c, Soonest: apps, Now: now})
		}
		return nil
	})
	return out, err
}

// Services lists the codes and names of a provider's services that have
// applications, for the queue's filter.
func (s *Service) Services(ctx context.Context, provider uuid.UUID) ([]ServiceName, error) {
	var out []ServiceName
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = serviceNames(ctx, tx, provider)
		return err
	})
	return out, err
}

// ServiceName is a service's code and name.
type ServiceName struct {
	Code string
	Name tenant.Text
}

// Opened is an application as an official opens it: with its history,
// its files, the service's grounds for refusal and the form it was filled
// in.
type Opened struct {
	App     *Application
	Events  []Event
	Files   []File
	Grounds []tenant.Text
	Form    *forms.Form
	// Terms are the changes of its term; Colleagues the provider's
	// officials it may be handed to (deadlines.go, reassign.go).
	Terms      []TermChange
	Colleagues []Colleague
	// Invoice is the fee's, with the gateway's payments and callbacks
	// (modules/payments); nil for a free service.
	Invoice *payments.Invoice
}

// Open opens an application for an official, in one transaction that also
// audits the view (an error there is the page's error: no unaudited look).
// ErrNotFound for a draft (the resident's alone) or no such application.
func (s *Service) Open(ctx context.Context, st Staff, id uuid.UUID) (*Opened, error) {
	var o Opened
	err := s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if o.App, err = applicationByID(ctx, tx, id, false); err != nil {
			return err
		}
		if o.App.Status == Draft {
			return ErrNotFound // a draft is the resident's alone
		}
		if o.Events, err = events(ctx, tx, id); err != nil {
			return err
		}
		if o.Files, err = files(ctx, tx, id); err != nil {
			return err
		}
		if o.Grounds, err = refusalGrounds(ctx, tx, o.App.ServiceID); err != nil {
			return err
		}
		if o.Form, err = s.form(ctx, tx, o.App.FormID); err != nil {
			return err
		}
		if o.Terms, err = termChanges(ctx, tx, id); err != nil {
			return err
		}
		if o.Invoice, err = payments.Of(ctx, tx, id); err != nil {
			return err
		}
		if o.Colleagues, err = s.colleagues(ctx, tx, o.App.ProviderID); err != nil {
			return err
		}
		if err := withPosition(ctx, tx, &st, o.App); err != nil {
			return err
		}
		return s.event(ctx, tx, "view", o.App, st.AccountID, st.Position)
	})
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// View is Open without the form (the tests' and tools' shape).
func (s *Service) View(ctx context.Context, st Staff, id uuid.UUID) (*Application, []Event, []File, []tenant.Text, error) {
	o, err := s.Open(ctx, st, id)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return o.App, o.Events, o.Files, o.Grounds, nil
}

// withPosition fills an official's position at the application's provider,
// read in tx, when the caller gave none (the signed-in official's: see
// SignedStaff); a position given is kept.
func withPosition(ctx context.Context, tx pgx.Tx, st *Staff, app *Application) error {
	if st.Position != "" {
		return nil
	}
	pos, err := access.Position(ctx, tx, st.AccountID, app.ProviderID)
	if err != nil {
		return fmt.Errorf("applications: the official's position: %w", err)
	}
	st.Position = pos
	return nil
}

// move changes an application's status as an official, with its history
// row and the applicant's notice; set adds columns to the update.
// st's position, when empty, is read in the same transaction (set sees
// it).
func (s *Service) move(ctx context.Context, st *Staff, id uuid.UUID, to Status, comment, action string, set func(ctx context.Context, tx pgx.Tx, app *Application) error) (*Application, error) {
	var app *Application
	err := s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if app, err = applicationByID(ctx, tx, id, true); err != nil {
			return err
		}
		if !CanMove(app.Status, to, Official) {
			return ErrTransition
		}
		if err := withPosition(ctx, tx, st, app); err != nil {
			return err
		}
		if set != nil {
			if err := set(ctx, tx, app); err != nil {
				return err
			}
		}
		if err := setStatus(ctx, tx, id, to); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, id, app.Status, to, Official, &st.AccountID, staffName(*st), comment); err != nil {
			return err
		}
		app.Status = to
		if err := s.notify(ctx, tx, app, noticeKind(to), "notify."+string(app.ShownFor(to)), map[string]any{"Number": app.Number, "Service": app.ServiceName.UK, "Comment": comment}); err != nil {
			return err
		}
		return s.event(ctx, tx, action, app, st.AccountID, st.Position)
	})
	return app, err
}

func staffName(st Staff) string {
	if st.Position == "" {
		return st.FullName
	}
	return st.Position + " " + st.FullName
}

// Take puts a received or resubmitted application into work.
func (s *Service) Take(ctx context.Context, st Staff, id uuid.UUID) error {
	_, err := s.move(ctx, &st, id, InReview, "", "take", func(ctx context.Context, tx pgx.Tx, app *Application) error {
		return setAssignee(ctx, tx, id, st.AccountID)
	})
	return err
}

// Clarify asks the applicant for clarification: what is missing, in words.
func (s *Service) Clarify(ctx context.Context, st Staff, id uuid.UUID, comment string) error {
	comment = strings.TrimSpace(comment)
	if comment == "" {
		return ErrNeedComment
	}
	_, err := s.move(ctx, &st, id, Clarification, comment, "clarify", func(ctx context.Context, tx pgx.Tx, app *Application) error {
		return s.pauseTerm(ctx, tx, app, st.AccountID, st.Position)
	})
	return err
}

// Decide approves or refuses; a refusal names one of the service's grounds
// for refusal (seed 003 annex 1). The decision records who made it, with
// position and full name, and when (seed 003 §5.8).
func (s *Service) Decide(ctx context.Context, st Staff, id uuid.UUID, approve bool, grounds, comment string) error {
	to, action := Approved, "approve"
	grounds = strings.TrimSpace(grounds)
	if !approve {
		to, action = Refused, "refuse"
	}
	_, err := s.move(ctx, &st, id, to, strings.TrimSpace(comment), action, func(ctx context.Context, tx pgx.Tx, app *Application) error {
		if !approve {
			list, err := refusalGrounds(ctx, tx, app.ServiceID)
			if err != nil {
				return err
			}
			if grounds == "" || !slices.ContainsFunc(list, func(t tenant.Text) bool { return t.UK == grounds }) {
				return ErrNeedGrounds
			}
		} else {
			grounds = ""
		}
		return recordDecision(ctx, tx, id, decision{Status: to, Grounds: grounds, By: &st, At: s.now()})
	})
	return err
}

// Issue closes a decided application with its result: the decision as a
// PDF a person can read (decision.go), signed by the official inside and
// detached, with its verification page; the signed JSON record of the
// decision beside it as machine-readable data; and the result file, when
// one is attached, with the official's signature. Everything is stored in
// the document store with its SHA-256 and shown to the applicant in the
// cabinet. The signing happens before the transaction; the transaction
// checks the move again, so a second submit changes nothing.
func (s *Service) Issue(ctx context.Context, st Staff, id uuid.UUID, result *uploads.File, resultBytes []byte, comment string) error {
	t, err := tenant.From(ctx)
	if err != nil {
		return err
	}
	signer, err := s.OfficialSigner(ctx)
	if err != nil {
		return err
	}
	var (
		app      *Application
		provider string
		in       = decisionInput{Tenant: t, Comment: strings.TrimSpace(comment), Signer: signer}
	)
	err = s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if app, err = applicationByID(ctx, tx, id, false); err != nil {
			return err
		}
		if err := withPosition(ctx, tx, &st, app); err != nil {
			return err
		}
		if in.AppealTo, err = appealOf(ctx, tx, app.ServiceID); err != nil {
			return err
		}
		if in.Roots, err = roots(ctx, tx, s.now(), trustlist.ForSignatures); err != nil {
			return err
		}
		provider, err = providerCode(ctx, tx, app.ProviderID)
		return err
	})
	if err != nil {
		return err
	}
	if !CanMove(app.Status, Issued, Official) {
		return ErrTransition
	}
	in.Staff = st
	doc, err := s.signDecision(ctx, app, in)
	if err != nil {
		return err
	}
	rec := DecisionRecord{Application: app.ID.String(), Number: app.Number, City: t.Slug, Service: app.ServiceCode, ServiceName: app.ServiceName.UK,
		Provider: provider, Applicant: SignedPerson{RNOKPP: app.RNOKPP, FullName: app.Applicant, EDRPOU: app.EDRPOU, OrgName: app.OrgName},
		Decision: app.Decision, Grounds: app.Grounds, Comment: in.Comment, Position: app.DecidedPos, FullName: app.DecidedName,
		Document: &SignedFile{Name: doc.Name, SHA256: sha256Hex(doc.PDF), Size: int64(len(doc.PDF))}}
	if app.DecidedAt != nil {
		rec.DecidedAt = app.DecidedAt.In(tenant.Zone).Format(time.RFC3339)
	}
	if result != nil {
		rec.Result = &SignedFile{Name: result.Name, SHA256: result.SHA256, Size: result.Size}
	}
	data, err := signature.Canonical(rec)
	if err != nil {
		return err
	}
	put := func(kind, name, ctype string, b []byte) (File, error) {
		key := docstore.TenantKey(t.ID, "applications/"+id.String()+"/"+kind+"-"+uuid.NewString())
		stored, err := s.Docs.PutDocument(ctx, key, bytes.NewReader(b), int64(len(b)), docstore.Meta{ContentType: ctype, Class: docstore.ClassResult,
			Provenance: docstore.Provenance{Origin: provider + ": " + staffName(st), Destination: app.Applicant, SentAt: s.now()}})
		return File{Kind: kind, Name: name, ContentType: ctype, Size: int64(len(b)), SHA256: stored.SHA256, Key: key}, err
	}
	sign := func(name string, b []byte) ([]byte, error) {
		sum := sha256.Sum256(b)
		cms, err := signer.Sign(ctx, signature.HashRequest{RNOKPP: st.RNOKPP, FullName: st.FullName, DocumentName: name, Digest: sum[:]})
		if err != nil {
			return nil, ErrSignature.Wrap(err)
		}
		return cms, nil
	}
	dataName := "rishennia-" + app.Number + ".json"
	dataCMS, err := sign(dataName, data)
	if err != nil {
		return err
	}
	parts := []struct {
		kind, name, ctype string
		b                 []byte
	}{
		{kindDecision, doc.Name, "application/pdf", doc.PDF}, {kindDecisionSignature, doc.Name + ".p7s", "application/pkcs7-signature", doc.CMS},
		{kindDecisionData, dataName, "application/json", data}, {kindDecisionDataSignature, dataName + ".p7s", "application/pkcs7-signature", dataCMS},
	}
	var out []File
	for _, p := range parts {
		f, err := put(p.kind, p.name, p.ctype, p.b)
		if err != nil {
			return err
		}
		out = append(out, f)
	}
	if result != nil {
		out = append(out, File{Kind: "result", Name: result.Name, ContentType: result.ContentType, Size: result.Size, SHA256: result.SHA256, Key: result.Key})
		cms, err := sign(result.Name, resultBytes)
		if err != nil {
			return err
		}
		f, err := put("result_signature", result.Name+".p7s", "application/pkcs7-signature", cms)
		if err != nil {
			return err
		}
		out = append(out, f)
	}
	_, err = s.move(ctx, &st, id, Issued, rec.Comment, "issue", func(ctx context.Context, tx pgx.Tx, app *Application) error {
		for _, f := range out {
			if _, err := addFile(ctx, tx, id, f, &st.AccountID); err != nil {
				return err
			}
		}
		if err := recordIssued(ctx, tx, app, doc.ID, doc.Title, out[0], out[1], staffName(st), true); err != nil {
			return err
		}
		if err := recordEvidence(ctx, tx, id, evidenceOfDecision, doc.status); err != nil {
			return err
		}
		return s.refundIfRefused(ctx, tx, app)
	})
	return err
}

// CanIssue says whether an application may be issued now (decided).
func (s *Service) CanIssue(ctx context.Context, id uuid.UUID) error {
	return s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		app, err := applicationByID(ctx, tx, id, false)
		if err != nil {
			return err
		}
		if !CanMove(app.Status, Issued, Official) {
			return ErrTransition
		}
		return nil
	})
}

// StaffFile returns a file of a (non-draft) application for an official.
func (s *Service) StaffFile(ctx context.Context, id, file uuid.UUID) (File, []byte, error) {
	var fs []File
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := providerOf(ctx, tx, id); errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound // a draft's files are the resident's alone
		} else if err != nil {
			return err
		}
		var err error
		fs, err = files(ctx, tx, id)
		return err
	})
	if err != nil {
		return File{}, nil, err
	}
	f, ok := fileOf(fs, file)
	if !ok {
		return File{}, nil, ErrNotFound
	}
	b, err := s.Download(ctx, f)
	if err == nil && s.FileOpened != nil {
		if err := s.FileOpened(ctx, id, f.Key); err != nil {
			return File{}, nil, fmt.Errorf("applications: the opening of file %s: %w", file, err)
		}
	}
	return f, b, err
}
