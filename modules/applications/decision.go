package applications

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/documents"
	"hromada/modules/signature"
	"hromada/modules/signature/revocation"
	"hromada/tenant"
)

// An official's decision as a document a person can read, print and show
// (issue 14): a PDF in the style of automatic mode's results — the
// decision, for a refusal its grounds and how to appeal, the official's
// position and full name, the date and time in Kyiv, a QR code to the
// verification page — signed by the official through the same HashSigner
// as residents sign with, inside the PDF and as a detached .p7s. The
// signed JSON record stays beside it as machine-readable data.

// The decision's files, by kind (migration 0017 adds the data kinds).
const (
	kindDecision              = "decision"           // the PDF
	kindDecisionSignature     = "decision_signature" // its detached .p7s
	kindDecisionData          = "decision_data"      // the signed JSON record
	kindDecisionDataSignature = "decision_data_signature"
)

// appealTerms are the terms the law sets for appealing an administrative
// decision, printed under a refusal.
const appealTerms = "Адміністративну скаргу можна подати протягом 30 днів з дня, коли ви дізналися або мали дізнатися про рішення " +
	"(Закон України «Про адміністративну процедуру»); позов до адміністративного суду — протягом шести місяців " +
	"(стаття 122 Кодексу адміністративного судочинства України)."

// defaultAppeal is to whom, for a service whose register entry does not
// say (Закон України «Про адміністративні послуги», ст. 20).
const defaultAppeal = "Рішення можна оскаржити до органу вищого рівня (керівника органу, що надає послугу) або до суду."

// errNoResults is a deployment without a renderer for decisions wired.
var errNoResults = errors.New("applications: no renderer for decision documents is wired (Service.Results)")

// decisionTitle is the document's title for a decision code.
func decisionTitle(decision string) string {
	if decision == string(Refused) {
		return "Рішення про відмову в наданні адміністративної послуги"
	}
	return "Рішення про надання адміністративної послуги"
}

// appealOf is how to appeal the service's decisions, in its register
// entry's words; defaultAppeal when it has none.
func appealOf(ctx context.Context, tx pgx.Tx, service uuid.UUID) (string, error) {
	var s string
	if err := tx.QueryRow(ctx, `SELECT coalesce(content->'appeal'->>'uk', '') FROM services WHERE id = $1`, service).Scan(&s); err != nil {
		return "", fmt.Errorf("applications: how to appeal: %w", err)
	}
	if strings.TrimSpace(s) == "" {
		return defaultAppeal, nil
	}
	return s, nil
}

// signedDecision is an official's decision rendered and signed.
type signedDecision struct {
	ID       uuid.UUID
	Title    string
	Name     string // the PDF's file name
	PDF, CMS []byte // the signed PDF and the detached signature over it
	// status is the official's certificate as its CA answered for it
	// (nil when revocation is not checked).
	status *certStatus
}

// decisionInput is what signDecision needs besides the application.
type decisionInput struct {
	Tenant   *tenant.Tenant
	Staff    Staff  // who signs
	Comment  string // the official's note to the applicant
	AppealTo string // for a refusal: to whom (appealOf)
	Signer   signature.HashSigner
	Roots    trustAnchors // the city's trust list: the signature is checked before it is stored
}

// signDecision renders app's decision as a PDF and has the official sign
// it twice, as the sealed results are: inside the PDF (documents.SignWith)
// and detached over the signed file. Both are checked against the city's
// trust list and the official's РНОКПП before anything is stored.
func (s *Service) signDecision(ctx context.Context, app *Application, in decisionInput) (signedDecision, error) {
	if s.Results == nil {
		return signedDecision{}, errNoResults
	}
	id, err := uuid.NewV7()
	if err != nil {
		return signedDecision{}, err
	}
	t := in.Tenant
	sd := signedDecision{ID: id, Title: decisionTitle(app.Decision), Name: "rishennia-" + app.Number + ".pdf"}
	d := ResultData{DocumentID: id, ProviderID: app.ProviderID, City: t.Name, CoatOfArms: t.Branding.CoatOfArms, Provider: app.ProviderName.UK,
		Title: sd.Title, Number: app.Number, IssuedAt: s.now().In(tenant.Zone), Applicant: app.Applicant, RNOKPP: app.RNOKPP,
		OrgName: app.OrgName, EDRPOU: app.EDRPOU, Service: app.ServiceName.UK, Decision: app.Decision, Grounds: app.Grounds,
		Position: app.DecidedPos, FullName: app.DecidedName, Comment: in.Comment}
	if app.DecidedAt != nil {
		d.DecidedAt = app.DecidedAt.In(tenant.Zone)
	}
	if app.Decision == string(Refused) {
		d.AppealTo, d.AppealTerms = in.AppealTo, appealTerms
	}
	if s.VerifyURL != nil {
		d.VerifyURL = s.VerifyURL(t, id)
		if app.Decision == string(Refused) {
			d.ComplaintURL = complaintURL(d.VerifyURL, app.ID)
		}
	}
	pdf, err := s.Results.Render(ctx, d)
	if err != nil {
		return sd, err
	}
	// Both signatures are over the PDF the official reads, so the signer
	// shows them its name each time.
	sign := func(digest []byte) ([]byte, error) {
		cms, err := in.Signer.Sign(ctx, signature.HashRequest{RNOKPP: in.Staff.RNOKPP, FullName: in.Staff.FullName, DocumentName: sd.Name, Digest: digest})
		if err != nil {
			return nil, ErrSignature.Wrap(err)
		}
		return cms, nil
	}
	opts := documents.SignOptions{At: s.now(), Name: in.Staff.FullName, Reason: sd.Title, Location: t.Name, ContactInfo: d.VerifyURL}
	if sd.PDF, err = documents.SignWith(pdf, opts, sign); err != nil {
		return sd, err
	}
	sum := sha256.Sum256(sd.PDF)
	if sd.CMS, err = sign(sum[:]); err != nil {
		return sd, err
	}
	signer, err := signature.VerifyDetached(sd.PDF, sd.CMS, in.Roots.options(signature.VerifyOptions{WantRNOKPP: in.Staff.RNOKPP, External: s.External, Received: s.now()}))
	if err != nil {
		return sd, ErrSignature.Wrap(err)
	}
	if sd.status, err = s.certificateStatus(ctx, signer, revocation.SigningTime(signer.Timestamp, s.now())); err != nil {
		return sd, revocationRefused(err)
	}
	return sd, nil
}

// recordIssued records an issued document: what its public verification
// page shows and checks. Automatic mode's sealed results and officials'
// signed decisions alike; official says the latter (the page then says
// «signed by», not «sealed by»).
func recordIssued(ctx context.Context, tx pgx.Tx, app *Application, id uuid.UUID, title string, pdf, sig File, issuer string, official bool) error {
	_, err := tx.Exec(ctx, recordIssuedSQL, issuedArgs(app, id, title, pdf, sig, issuer, official)...)
	if err != nil {
		return fmt.Errorf("applications: the issued decision of %s: %w", app.ID, err)
	}
	return nil
}

// queueIssued is recordIssued queued on b (automatic mode's issuing
// pipeline).
func queueIssued(b *pgx.Batch, app *Application, id uuid.UUID, title string, pdf, sig File, issuer string, official bool) {
	b.Queue(recordIssuedSQL, issuedArgs(app, id, title, pdf, sig, issuer, official)...).Fn = func(br pgx.BatchResults) error {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("applications: the issued decision of %s: %w", app.ID, err)
		}
		return nil
	}
}

const recordIssuedSQL = `INSERT INTO issued_documents (tenant_id, id, application_id, title, sha256, pdf_key, signature_key, signature_sha256, issuer, summary)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9)`

// issuedArgs are recordIssuedSQL's arguments.
func issuedArgs(app *Application, id uuid.UUID, title string, pdf, sig File, issuer string, official bool) []any {
	summary := map[string]any{"service": app.ServiceName.UK, "number": app.Number, "decision": app.Decision,
		"grounds": app.Grounds, "provider": app.ProviderName.UK, "applicant": maskName(app.Applicant)}
	if official {
		summary["signed"] = "official"
	}
	return []any{id, app.ID, title, pdf.SHA256, pdf.Key, sig.Key, sig.SHA256, issuer, summary}
}

// sha256Hex is the hex SHA-256 of b, as files are recorded.
func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
