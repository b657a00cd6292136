package appeals

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/identity"
)

// Open311 GeoReport v2 (the interoperable API of FixMyStreet and the
// cities' 311 apps): the city's categories are its services; the appeals
// their authors agreed to publish, about public things, are its service
// requests, without personal data — no name, no contact, no file, and the
// text with e-mail addresses and phone numbers masked. A client the city
// gave a key files requests for a named person (art. 8 needs the name and
// a way to answer); the key's account stands as the appeal's author, the
// caller's name as its author's name.

// ErrKey is an Open311 key that is unknown or revoked.
var ErrKey = errors.New("appeals: invalid Open311 api_key")

// Public311 narrows the published requests.
type Public311 struct {
	IDs         []uuid.UUID
	ServiceCode string
	Start, End  time.Time // zero: the last 90 days up to now
	Status      string    // open | closed | ""
}

// Published lists the published appeals matching f, newest first.
func (s *Service) Published(ctx context.Context, f Public311) ([]*Appeal, error) {
	where, args := []string{`a.public`}, []any{}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if len(f.IDs) > 0 {
		where = append(where, `a.id = ANY(`+arg(f.IDs)+`)`)
	} else {
		end := f.End
		if end.IsZero() {
			end = s.now()
		}
		start := f.Start
		if start.IsZero() {
			start = end.AddDate(0, 0, -90)
		}
		where = append(where, `a.received_at >= `+arg(start), `a.received_at <= `+arg(end))
	}
	if f.ServiceCode != "" {
		where = append(where, `c.code = `+arg(f.ServiceCode))
	}
	switch f.Status {
	case "open":
		where = append(where, `a.status <> 'answered'`)
	case "closed":
		where = append(where, `a.status = 'answered'`)
	}
	var out []*Appeal
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = appealList(ctx, tx, strings.Join(where, " AND "), args...)
		return err
	})
	return out, err
}

// personal are what may name or reach a person in a text: e-mail
// addresses and phone numbers (seven digits or more, spaces and dashes
// allowed).
var personal = regexp.MustCompile(`[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.\p{L}+|\+?\d[\d\s()-]{5,}\d`)

// Scrub masks e-mail addresses and phone numbers in a published text.
func Scrub(s string) string { return personal.ReplaceAllString(s, "***") }

// Categories lists the city's categories (Open311's services).
func (s *Service) Categories(ctx context.Context) ([]Category, error) {
	var out []Category
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = categories(ctx, tx)
		return err
	})
	return out, err
}

// NewKey makes an Open311 key named name acting as the signed-in account
// (the dispatcher who makes it): the key is returned once, only its
// SHA-256 kept.
func (s *Service) NewKey(ctx context.Context, name string) (string, error) {
	by := signedID(ctx)
	if by == nil {
		return "", ErrNotStaff
	}
	if name = strings.TrimSpace(name); name == "" {
		return "", ErrInvalid
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	key := base64.RawURLEncoding.EncodeToString(raw)
	err := s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO open311_keys (tenant_id, id, name, key_sha256, account_id) VALUES (app_tenant_id(), $1, $2, $3, $4)`,
			uuid.New(), name, keyHash(key), *by)
		return err
	})
	return key, err
}

func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Caller311 is the person an Open311 client files for.
type Caller311 struct {
	FirstName, LastName, Email, Phone string
}

// File311 files a request through an Open311 key, for the caller named:
// ErrKey for an unknown key, ErrAnonymous without a name and a way to
// answer (art. 8), field errors as File's.
func (s *Service) File311(ctx context.Context, key string, c Caller311, f Filing) (*Appeal, FieldErrors, error) {
	var account uuid.UUID
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT account_id FROM open311_keys WHERE key_sha256 = $1 AND revoked_at IS NULL`, keyHash(key)).Scan(&account)
	})
	if errors.Is(err, pgx.ErrNoRows) || key == "" {
		return nil, nil, ErrKey
	}
	if err != nil {
		return nil, nil, err
	}
	name := strings.Join(strings.Fields(c.LastName+" "+c.FirstName), " ")
	if strings.TrimSpace(c.FirstName) == "" || strings.TrimSpace(c.LastName) == "" || (strings.TrimSpace(c.Email) == "" && strings.TrimSpace(c.Phone) == "") {
		return nil, nil, ErrAnonymous
	}
	contact := strings.TrimSpace(strings.Join(strings.Fields(c.Email+" "+c.Phone), ", "))
	ctx = identity.WithSigned(ctx, &identity.Signed{AccountID: account, FullName: name + " (" + contact + ")"})
	// A report through Open311 is a statement about a public thing,
	// published as its clients expect (categories that are not public
	// stay unpublished).
	f.Kind, f.Public = Statement, true
	return s.File(ctx, f, nil)
}
