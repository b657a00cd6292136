package applications

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/forms"
	"hromada/modules/identity"
)

// A service's electronic form changes the way its information does (seed
// 003 §7.3–7.6): the provider's staff propose a version, whoever approves
// the provider's publications publishes or returns it, and nobody
// publishes their own proposal. Applications keep the version they were
// filled in.

// FormVersion is a version of a service's form.
type FormVersion struct {
	ID          uuid.UUID
	ServiceCode string
	Version     int
	Definition  forms.Definition
	Status      string // pending | published | returned | superseded
	SubmittedBy *uuid.UUID
	Submitter   string
	SubmittedAt time.Time
	DecidedAt   *time.Time
	Comment     string
}

// Errors of the form editor.
var (
	ErrFormInvalid    = apperr.New(apperr.Invalid, "error.form_definition")
	ErrFormDecided    = apperr.New(apperr.Conflict, "error.form_decided")
	ErrFormOwnPublish = apperr.New(apperr.Forbidden, "error.form_own_publish")
	ErrFormNotFound   = apperr.New(apperr.NotFound, "error.form_not_found")
)

// versioned names a table of versions of a service's definition: the
// form (service_forms.definition) or the rule set (service_rules.rules).
type versioned struct{ table, column string }

var (
	formTable  = versioned{"service_forms", "definition"}
	rulesTable = versioned{"service_rules", "rules"}
)

// propose saves a pending version of the service's definition.
func (v versioned) propose(ctx context.Context, tx pgx.Tx, serviceCode string, payload any, by uuid.UUID) (uuid.UUID, int, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, 0, err
	}
	var ver int
	err = tx.QueryRow(ctx, `INSERT INTO `+v.table+` (tenant_id, id, service_id, version, `+v.column+`, status, submitted_by)
		SELECT app_tenant_id(), $1, s.id, coalesce((SELECT max(version) FROM `+v.table+` WHERE service_id = s.id), 0) + 1, $3, 'pending', $4
		FROM services s WHERE s.code = $2 RETURNING version`, id, serviceCode, mustJSON(payload), by).Scan(&ver)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, 0, ErrNoForm
	}
	return id, ver, err
}

// decide publishes (superseding the published version) or returns a
// pending version; nobody decides their own proposal.
func (v versioned) decide(ctx context.Context, tx pgx.Tx, id uuid.UUID, publish bool, comment string, by uuid.UUID) (string, string, error) {
	var (
		status, code string
		submitter    *uuid.UUID
	)
	err := tx.QueryRow(ctx, `SELECT f.status, s.code, f.submitted_by FROM `+v.table+` f JOIN services s ON s.id = f.service_id
		WHERE f.id = $1 FOR UPDATE OF f`, id).Scan(&status, &code, &submitter)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", ErrFormNotFound
	}
	if err != nil {
		return "", "", err
	}
	if status != "pending" {
		return "", "", ErrFormDecided
	}
	if submitter != nil && *submitter == by {
		return "", "", ErrFormOwnPublish
	}
	status = "returned"
	if publish {
		status = "published"
		if _, err := tx.Exec(ctx, `UPDATE `+v.table+` SET status = 'superseded' WHERE status = 'published'
			AND service_id = (SELECT service_id FROM `+v.table+` WHERE id = $1)`, id); err != nil {
			return "", "", err
		}
	} else if strings.TrimSpace(comment) == "" {
		return "", "", ErrNeedComment
	}
	_, err = tx.Exec(ctx, `UPDATE `+v.table+` SET status = $2, decided_by = $3, decided_at = now(), comment = $4 WHERE id = $1`,
		id, status, by, strings.TrimSpace(comment))
	return status, code, err
}

// ProposeForm saves def as a pending version of the service's form after
// checking it compiles.
func ProposeForm(ctx context.Context, tx pgx.Tx, serviceCode string, def forms.Definition, by uuid.UUID) (*FormVersion, error) {
	if _, err := forms.Compile(def, nil); err != nil {
		return nil, err
	}
	id, ver, err := formTable.propose(ctx, tx, serviceCode, def, by)
	if err != nil {
		return nil, err
	}
	return &FormVersion{ID: id, ServiceCode: serviceCode, Version: ver, Definition: def, Status: "pending", SubmittedBy: &by}, nil
}

// DecideForm publishes (superseding the published version) or returns a
// pending version with a comment.
func DecideForm(ctx context.Context, tx pgx.Tx, id uuid.UUID, publish bool, comment string, by uuid.UUID) (*FormVersion, error) {
	status, code, err := formTable.decide(ctx, tx, id, publish, comment, by)
	if err != nil {
		return nil, err
	}
	return &FormVersion{ID: id, ServiceCode: code, Status: status}, nil
}

func formVersions(ctx context.Context, tx pgx.Tx, q string, args ...any) ([]*FormVersion, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*FormVersion, error) {
		var (
			v   FormVersion
			raw []byte
		)
		err := r.Scan(&v.ID, &v.ServiceCode, &v.Version, &raw, &v.Status, &v.SubmittedBy, &v.Submitter, &v.SubmittedAt, &v.DecidedAt, &v.Comment)
		if err == nil {
			err = json.Unmarshal(raw, &v.Definition)
		}
		return &v, err
	})
}

// indentJSON is v as the editors show it: indented, unescaped. v is one of
// the package's own types, which always encode.
func indentJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("applications: indenting %T: %v", v, err))
	}
	return b.String()
}

// provider is the provider of the service whose version id is: decisions
// on a version are checked at it.
func (v versioned) provider(ctx context.Context, tx pgx.Tx, id uuid.UUID) (uuid.UUID, error) {
	var p uuid.UUID
	err := tx.QueryRow(ctx, `SELECT s.provider_id FROM `+v.table+` f JOIN services s ON s.id = f.service_id WHERE f.id = $1`, id).Scan(&p)
	return p, err
}

// formProvider is the provider of the service of form version id (the
// guard's scope of a decision on it).
func formProvider(ctx context.Context, tx pgx.Tx, id uuid.UUID) (uuid.UUID, error) {
	return formTable.provider(ctx, tx, id)
}

// actor is the signed-in person who proposes or decides a version.
// access.ErrForbidden when no one is (the guard lets no such request in).
func actor(ctx context.Context) (uuid.UUID, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return uuid.Nil, access.ErrForbidden
	}
	return sg.AccountID, nil
}

// FormVersions lists the versions of the service's form, the latest first,
// with who proposed each, in one read transaction.
func (s *Service) FormVersions(ctx context.Context, serviceCode string) ([]*FormVersion, error) {
	var out []*FormVersion
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = formVersions(ctx, tx, `SELECT f.id, s.code, f.version, f.definition, f.status, f.submitted_by, coalesce(a.full_name, ''),
			f.submitted_at, f.decided_at, f.comment FROM service_forms f JOIN services s ON s.id = f.service_id
			LEFT JOIN accounts a ON a.id = f.submitted_by WHERE s.code = $1 ORDER BY f.version DESC`, serviceCode)
		return err
	})
	return out, err
}

// ProposeForm saves def as a pending version of the service's form,
// proposed by the signed-in person, in one transaction (see the package
// function ProposeForm): the form's compile error when it does not
// compile, ErrNoForm for an unknown service.
func (s *Service) ProposeForm(ctx context.Context, serviceCode string, def forms.Definition) (*FormVersion, error) {
	by, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var v *FormVersion
	err = s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		v, err = ProposeForm(ctx, tx, serviceCode, def, by)
		return err
	})
	return v, err
}

// DecideForm publishes or returns (with a comment) a pending form version
// as the signed-in person, in one transaction: ErrFormNotFound,
// ErrFormDecided, ErrFormOwnPublish, ErrNeedComment.
func (s *Service) DecideForm(ctx context.Context, id uuid.UUID, publish bool, comment string) (*FormVersion, error) {
	by, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var v *FormVersion
	err = s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		v, err = DecideForm(ctx, tx, id, publish, comment, by)
		return err
	})
	return v, err
}
