package notify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
)

// Errors a person may see on the preferences page.
var (
	ErrBadAddress  = apperr.New(apperr.Invalid, "notify.error.address")
	ErrBadCode     = apperr.New(apperr.Invalid, "notify.error.code")
	ErrCodeExpired = apperr.New(apperr.Invalid, "notify.error.code_expired")
	ErrNoCode      = apperr.New(apperr.Invalid, "notify.error.no_code")
	ErrChannelOff  = apperr.New(apperr.Invalid, "notify.error.channel_off")
)

// Inbox returns the person's notices, newest first, each with how it went
// out, and marks them read.
func (s *Service) Inbox(ctx context.Context, account uuid.UUID) ([]Notification, error) {
	var out []Notification
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if out, err = inbox(ctx, tx, account); err != nil {
			return err
		}
		return markRead(ctx, tx, account)
	})
	return out, err
}

// codeTTL is how long a one-time code may be typed back; codeTries how
// many wrong codes end it; codeResend how soon the same address gets a
// new one (a double submit sends one code).
const (
	codeTTL    = 15 * time.Minute
	codeTries  = 5
	codeResend = time.Minute
)

// SetAddress records account's address on c, unconfirmed, and sends it a
// one-time code through c itself: only who receives there can confirm it.
// The same address again within a minute sends nothing more.
func (s *Service) SetAddress(ctx context.Context, account uuid.UUID, c Channel, address string) error {
	if !s.channelOn(c) {
		return ErrChannelOff
	}
	addr, ok := normalise(c, address)
	if !ok {
		return ErrBadAddress
	}
	code, err := oneTimeCode()
	if err != nil {
		return err
	}
	now := s.o.Now()
	return s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		sent, err := setAddress(ctx, tx, account, c, addr, hashCode(code), now)
		if err != nil || !sent {
			return err
		}
		n := Notice{Account: account, Kind: KindCode, Urgency: Urgent, Key: "notify.code_sent", Args: map[string]any{"Address": addr}}
		id, err := insertNotice(ctx, tx, n)
		if err != nil {
			return err
		}
		return s.deliver(ctx, tx, id, n, contact{Channel: c, Address: addr}, map[string]any{"Code": code})
	})
}

// Confirm checks the code typed back for account's address on c.
func (s *Service) Confirm(ctx context.Context, account uuid.UUID, c Channel, code string) error {
	var ok bool
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		ok, err = confirm(ctx, tx, account, c, hashCode(strings.TrimSpace(code)), s.o.Now())
		return err
	})
	if err == nil && !ok {
		// After the commit: the wrong try is counted.
		return ErrBadCode
	}
	return err
}

func hashCode(code string) []byte {
	h := sha256.Sum256([]byte(code))
	return h[:]
}

// oneTimeCode is six random digits.
func oneTimeCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// setAddress stores the address and its code; sent is false when the same
// address got a code less than codeResend ago (nothing changes then) or is
// confirmed already.
func setAddress(ctx context.Context, tx pgx.Tx, account uuid.UUID, c Channel, addr string, hash []byte, now time.Time) (sent bool, err error) {
	var (
		old       string
		confirmed *time.Time
		expires   *time.Time
	)
	err = tx.QueryRow(ctx, `SELECT address, confirmed_at, code_expires FROM notify_contacts WHERE account_id = $1 AND channel = $2 FOR UPDATE`, account, c).
		Scan(&old, &confirmed, &expires)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return false, err
	}
	if err == nil && old == addr && (confirmed != nil || expires != nil && expires.Sub(now) > codeTTL-codeResend) {
		return false, nil
	}
	_, err = tx.Exec(ctx, `INSERT INTO notify_contacts (tenant_id, account_id, channel, address, code_hash, code_expires, updated_at)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6)
		ON CONFLICT (tenant_id, account_id, channel) DO UPDATE SET address = $3, confirmed_at = NULL, code_hash = $4, code_expires = $5,
			code_attempts = 0, updated_at = $6`, account, c, addr, hash, now.Add(codeTTL), now)
	return err == nil, err
}

// confirm confirms the address if hash is its code's; a wrong code is
// counted and ok is false.
func confirm(ctx context.Context, tx pgx.Tx, account uuid.UUID, c Channel, hash []byte, now time.Time) (ok bool, err error) {
	var (
		want      []byte
		expires   *time.Time
		attempts  int
		confirmed bool
	)
	err = tx.QueryRow(ctx, `SELECT code_hash, code_expires, code_attempts, confirmed_at IS NOT NULL FROM notify_contacts
		WHERE account_id = $1 AND channel = $2 FOR UPDATE`, account, c).Scan(&want, &expires, &attempts, &confirmed)
	if err == nil && want == nil && confirmed {
		return true, nil // confirmed already: a double submit
	}
	if errors.Is(err, pgx.ErrNoRows) || err == nil && want == nil {
		return false, ErrNoCode
	}
	if err != nil {
		return false, err
	}
	if expires == nil || now.After(*expires) || attempts >= codeTries {
		return false, ErrCodeExpired
	}
	if subtle.ConstantTimeCompare(want, hash) != 1 {
		_, err := tx.Exec(ctx, `UPDATE notify_contacts SET code_attempts = code_attempts + 1 WHERE account_id = $1 AND channel = $2`, account, c)
		return false, err
	}
	_, err = tx.Exec(ctx, `UPDATE notify_contacts SET confirmed_at = $3, code_hash = NULL, code_expires = NULL, code_attempts = 0, updated_at = $3
		WHERE account_id = $1 AND channel = $2`, account, c, now)
	return err == nil, err
}

// normalise checks an address and writes it one way: an e-mail address
// bare and lower case, a phone number as 380XXXXXXXXX (Ukrainian mobile
// numbers: the gateways take them so).
func normalise(c Channel, address string) (string, bool) {
	address = strings.TrimSpace(address)
	switch c {
	case Email:
		a, err := mail.ParseAddress(address)
		if err != nil || a.Name != "" || len(a.Address) > 254 {
			return "", false
		}
		return strings.ToLower(a.Address), true
	case SMS:
		var digits strings.Builder
		for _, r := range address {
			switch {
			case r >= '0' && r <= '9':
				digits.WriteRune(r)
			case r == '+' || r == ' ' || r == '-' || r == '(' || r == ')':
			default:
				return "", false
			}
		}
		d := digits.String()
		if len(d) == 10 && d[0] == '0' {
			d = "38" + d
		}
		if len(d) != 12 || !strings.HasPrefix(d, "380") {
			return "", false
		}
		return d, true
	}
	return "", false
}

// Sender returns the city's sender identity (made on first use), for the
// administrator's page: the From and the DKIM record to publish.
func (s *Service) Sender(ctx context.Context) (*Sender, error) {
	var snd *Sender
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		snd, err = s.sender(ctx, tx)
		return err
	})
	return snd, err
}
