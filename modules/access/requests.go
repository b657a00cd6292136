package access

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/tenant"
	"hromada/ukid"
)

// Request is a provider head's written request for an official's access
// (seed 003 §6.2–6.3).
type Request struct {
	ID, ProviderID, FiledBy uuid.UUID
	Number                  int64
	FiledAt                 time.Time
	Role                    string
	FullName                string
	BirthDate               time.Time
	DocumentKind            string // passport | id_card
	DocumentNumber          string
	RNOKPP                  string
	RNOKPPRefused           bool // the refusal mark: a religious refusal of the number
	Position, Organisation  string
	Unit                    string
	HasQualifiedCertificate bool
	Phone, Email            string
	Status                  string // pending | granted | rejected
	DecidedBy               *uuid.UUID
	DecidedAt               *time.Time
	DecisionNote            string
	GrantID                 *uuid.UUID
	ProviderName            string // for display
}

// Document kinds.
const (
	DocPassport = "passport" // the booklet: two Cyrillic letters and six digits
	DocIDCard   = "id_card"  // the ID card: nine digits
)

var (
	passportRE = regexp.MustCompile(`^[А-ЯІЇЄҐ]{2}\d{6}$`)
	idCardRE   = regexp.MustCompile(`^\d{9}$`)
	phoneRE    = regexp.MustCompile(`^\+380\d{9}$`)
)

// RequestErrors are the problems of a request, by field, as message keys.
type RequestErrors map[string]*apperr.Error

// ErrRequestInvalid is a request that fails validation; Fields say why.
var ErrRequestInvalid = apperr.New(apperr.Invalid, "error.request_invalid")

// ErrRequestNotFound is a request that is not there (or not this tenant's).
var ErrRequestNotFound = apperr.New(apperr.NotFound, "error.request_not_found")

// ErrRequestDecided is a request already granted or rejected.
var ErrRequestDecided = apperr.New(apperr.Conflict, "error.request_decided")

// ErrRequestNoRNOKPP is a request with the refusal mark: such a person
// signs in with their passport number, which accounts do not key by yet.
var ErrRequestNoRNOKPP = apperr.New(apperr.Conflict, "error.request_no_rnokpp")

func fieldErr(key string) *apperr.Error { return apperr.New(apperr.Invalid, key) }

// Normalize tidies what was typed (spaces, case, phone digits).
func (q *Request) Normalize() {
	q.FullName = strings.Join(strings.Fields(q.FullName), " ")
	q.DocumentNumber = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(q.DocumentNumber), " ", ""))
	q.RNOKPP = strings.TrimSpace(q.RNOKPP)
	q.Position, q.Organisation, q.Unit = strings.TrimSpace(q.Position), strings.TrimSpace(q.Organisation), strings.TrimSpace(q.Unit)
	q.Email = strings.TrimSpace(q.Email)
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, q.Phone)
	switch {
	case len(digits) == 12 && strings.HasPrefix(digits, "380"):
		q.Phone = "+" + digits
	case len(digits) == 10 && strings.HasPrefix(digits, "0"):
		q.Phone = "+38" + digits
	default:
		q.Phone = strings.TrimSpace(q.Phone)
	}
	if q.Role == "" {
		q.Role = RoleOfficial
	}
}

// Validate checks a request as of now; the map is empty when it is good.
func (q *Request) Validate(now time.Time) RequestErrors {
	e := RequestErrors{}
	if len(strings.Fields(q.FullName)) < 2 {
		e["full_name"] = fieldErr("error.request_full_name")
	}
	switch {
	case q.BirthDate.IsZero():
		e["birth_date"] = fieldErr("error.request_birth_date")
	case q.BirthDate.After(now.AddDate(-18, 0, 0)) || q.BirthDate.Before(now.AddDate(-100, 0, 0)):
		e["birth_date"] = fieldErr("error.request_birth_date_range")
	}
	switch q.DocumentKind {
	case DocPassport:
		if !passportRE.MatchString(q.DocumentNumber) {
			e["document_number"] = fieldErr("error.request_passport")
		}
	case DocIDCard:
		if !idCardRE.MatchString(q.DocumentNumber) {
			e["document_number"] = fieldErr("error.request_id_card")
		}
	default:
		e["document_kind"] = fieldErr("error.request_document_kind")
	}
	if q.RNOKPPRefused {
		if q.RNOKPP != "" {
			e["rnokpp"] = fieldErr("error.request_rnokpp_and_refusal")
		}
	} else if !ukid.ValidRNOKPP(q.RNOKPP) {
		e["rnokpp"] = fieldErr("error.rnokpp_invalid")
	}
	if q.Position == "" {
		e["position"] = fieldErr("error.request_position")
	}
	if q.Organisation == "" {
		e["organisation"] = fieldErr("error.request_organisation")
	}
	if !phoneRE.MatchString(q.Phone) {
		e["phone"] = fieldErr("error.request_phone")
	}
	if a, err := mail.ParseAddress(q.Email); err != nil || a.Address != q.Email || !strings.Contains(q.Email[strings.LastIndex(q.Email, "@"):], ".") {
		e["email"] = fieldErr("error.request_email")
	}
	if q.Role != RoleOfficial && q.Role != RoleProviderHead {
		e["role"] = ErrUnknownRole.With(map[string]any{"Role": q.Role})
	}
	return e
}

const requestColumns = `r.id, r.number, r.provider_id, r.filed_by, r.filed_at, r.role, r.full_name, r.birth_date, r.document_kind,
	r.document_number, r.rnokpp, r.rnokpp_refused, r.position, r.organisation, r.unit, r.has_qualified_certificate,
	r.phone, r.email, r.status, r.decided_by, r.decided_at, r.decision_note, r.grant_id, p.name_uk`

func scanRequest(row pgx.Row) (*Request, error) {
	var q Request
	err := row.Scan(&q.ID, &q.Number, &q.ProviderID, &q.FiledBy, &q.FiledAt, &q.Role, &q.FullName, &q.BirthDate, &q.DocumentKind,
		&q.DocumentNumber, &q.RNOKPP, &q.RNOKPPRefused, &q.Position, &q.Organisation, &q.Unit, &q.HasQualifiedCertificate,
		&q.Phone, &q.Email, &q.Status, &q.DecidedBy, &q.DecidedAt, &q.DecisionNote, &q.GrantID, &q.ProviderName)
	return &q, err
}

// FileRequest records a provider head's request on actor's authority
// (access_requests:create at the request's provider). Invalid input gives
// ErrRequestInvalid and the problems by field.
func (s *Service) FileRequest(ctx context.Context, actor uuid.UUID, q *Request) (RequestErrors, error) {
	q.Normalize()
	if errs := q.Validate(s.now()); len(errs) > 0 {
		return errs, ErrRequestInvalid
	}
	return nil, s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := s.authorize(ctx, tx, actor, ObjAccessRequests, ActCreate, q.ProviderID.String()); err != nil {
			return err
		}
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		q.ID, q.FiledBy = id, actor
		err = tx.QueryRow(ctx, `
			INSERT INTO access_requests (tenant_id, id, number, provider_id, filed_by, role, full_name, birth_date, document_kind,
			    document_number, rnokpp, rnokpp_refused, position, organisation, unit, has_qualified_certificate, phone, email)
			VALUES (app_tenant_id(), $1, (SELECT coalesce(max(number), 0) + 1 FROM access_requests), $2, $3, $4, $5, $6, $7,
			    $8, $9, $10, $11, $12, $13, $14, $15, $16)
			RETURNING number, filed_at`,
			q.ID, q.ProviderID, actor, q.Role, q.FullName, q.BirthDate, q.DocumentKind, q.DocumentNumber, q.RNOKPP, q.RNOKPPRefused,
			q.Position, q.Organisation, q.Unit, q.HasQualifiedCertificate, q.Phone, q.Email).Scan(&q.Number, &q.FiledAt)
		if err != nil {
			return fmt.Errorf("access: file request: %w", err)
		}
		return s.journal.RequestFiled(ctx, tx, actor, q)
	})
}

// Requests lists requests on actor's authority: every one for the
// administrator (access_requests:read), a provider's own for its head.
func (s *Service) Requests(ctx context.Context, actor uuid.UUID, provider *uuid.UUID) ([]*Request, error) {
	var out []*Request
	scope := ""
	if provider != nil {
		scope = provider.String()
	}
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := s.authorize(ctx, tx, actor, ObjAccessRequests, ActRead, scope); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+requestColumns+` FROM access_requests r JOIN providers p ON p.id = r.provider_id
			WHERE $1::uuid IS NULL OR r.provider_id = $1 ORDER BY r.status = 'pending' DESC, r.filed_at DESC LIMIT 500`, provider)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			q, err := scanRequest(rows)
			if err != nil {
				return err
			}
			out = append(out, q)
		}
		return rows.Err()
	})
	return out, err
}

// DecideRequest grants (registering the person and granting the role at
// the provider) or rejects request id on actor's authority (officials:grant
// at its provider). The grant is the request's: its reason names the
// request's number and date.
func (s *Service) DecideRequest(ctx context.Context, actor, id uuid.UUID, grant bool, note string) error {
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		q, err := scanRequest(tx.QueryRow(ctx, `SELECT `+requestColumns+` FROM access_requests r JOIN providers p ON p.id = r.provider_id
			WHERE r.id = $1 FOR UPDATE OF r`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrRequestNotFound
		}
		if err != nil {
			return err
		}
		if q.Status != "pending" {
			return ErrRequestDecided
		}
		if err := s.authorize(ctx, tx, actor, ObjOfficials, ActGrant, q.ProviderID.String()); err != nil {
			return err
		}
		status, note := "rejected", strings.TrimSpace(note)
		var grantID *uuid.UUID
		if grant {
			if q.RNOKPPRefused {
				return ErrRequestNoRNOKPP
			}
			account, err := s.registerTx(ctx, tx, q.RNOKPP, q.FullName)
			if err != nil {
				return err
			}
			if account == actor {
				return ErrSelf
			}
			reason := fmt.Sprintf("Заявка № %d від %s", q.Number, q.FiledAt.In(tenant.Zone).Format("02.01.2006"))
			if err := checkGrantInput(q.Role, &q.ProviderID, reason); err != nil {
				return err
			}
			g, err := s.create(ctx, tx, &actor, account, q.Role, &q.ProviderID, reason)
			if err != nil {
				return err
			}
			if err := s.changed(ctx, tx, Change{Action: "grant", Actor: actor, After: g}); err != nil {
				return err
			}
			status, grantID = "granted", &g.ID
		} else if note == "" {
			return ErrReasonRequired
		}
		_, err = tx.Exec(ctx, `UPDATE access_requests SET status = $2, decided_by = $3, decided_at = $4, decision_note = $5, grant_id = $6
			WHERE id = $1`, id, status, actor, s.now(), note, grantID)
		if err != nil {
			return err
		}
		q.Status = status
		return s.journal.RequestDecided(ctx, tx, actor, q)
	})
}
