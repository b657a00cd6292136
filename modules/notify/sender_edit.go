package notify

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/modules/identity"
	"hromada/tenant"
)

// The city's dispatcher keeps its sender identity (issue 16): the name and
// address its e-mail comes from, the alpha name its SMS come from (the one
// registered with the gateway), and the DKIM key, rotated by making a new
// one under a new selector — the old record may be removed from DNS once
// mail signed with it has been delivered.

// SenderForm is the sender identity as typed.
type SenderForm struct {
	FromName, FromAddress, SMSSender string
}

// SenderErrors are a sender form's errors by field.
type SenderErrors map[string]*apperr.Error

func (e SenderErrors) Error() string { return "notify: the sender form has errors" }

var (
	errSenderName    = apperr.New(apperr.Invalid, "notify.sender.error.name")
	errSenderAddress = apperr.New(apperr.Invalid, "notify.sender.error.address")
	errSMSSender     = apperr.New(apperr.Invalid, "notify.sender.error.sms")
	// ErrSenderStale is a rotation asked from a page older than the last
	// rotation: the key it meant to replace is gone already.
	ErrSenderStale = apperr.New(apperr.Conflict, "notify.sender.error.stale")
	// An alpha sender ID: up to 11 Latin letters, digits, spaces, dots or
	// dashes, as gateways register them (GSM 03.38, 3GPP TS 23.040).
	smsSenderRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 .-]{0,10}$`)
)

func (f *SenderForm) check() SenderErrors {
	f.FromName, f.FromAddress, f.SMSSender = strings.TrimSpace(f.FromName), strings.TrimSpace(f.FromAddress), strings.TrimSpace(f.SMSSender)
	errs := SenderErrors{}
	if n := utf8.RuneCountInString(f.FromName); n == 0 || n > 80 || strings.ContainsAny(f.FromName, "<>\"\r\n") {
		errs["from_name"] = errSenderName
	}
	if a, err := mail.ParseAddress(f.FromAddress); err != nil || a.Address != f.FromAddress || a.Name != "" {
		errs["from_address"] = errSenderAddress
	}
	if !smsSenderRE.MatchString(f.SMSSender) {
		errs["sms_sender"] = errSMSSender
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// SaveSender makes f the city's sender identity, keeping its DKIM key;
// false when nothing changed (a double submit). Audited.
func (s *Service) SaveSender(ctx context.Context, f *SenderForm) (bool, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return false, errSignedOut
	}
	if errs := f.check(); errs != nil {
		return false, errs
	}
	changed := false
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		cur, err := s.lockedSender(ctx, tx)
		if err != nil {
			return err
		}
		if cur.FromName == f.FromName && cur.FromAddress == f.FromAddress && cur.SMSSender == f.SMSSender {
			return nil
		}
		changed = true
		if _, err := tx.Exec(ctx, `UPDATE notify_senders SET from_name = $2, from_address = $3, sms_sender = $4 WHERE dkim_selector = $1`,
			cur.Selector, f.FromName, f.FromAddress, f.SMSSender); err != nil {
			return err
		}
		return s.recordSender(ctx, tx, sg, "update", map[string]any{"from_name": f.FromName, "from_address": f.FromAddress,
			"sms_sender": f.SMSSender, "was": map[string]any{"from_name": cur.FromName, "from_address": cur.FromAddress, "sms_sender": cur.SMSSender}})
	})
	return changed, err
}

// RotateDKIM makes a new DKIM key under a new selector, which signs from
// now on; current is the selector the page showed, so that a double
// submit rotates once (false: it was rotated already by that page).
func (s *Service) RotateDKIM(ctx context.Context, current string) (bool, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return false, errSignedOut
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return false, err
	}
	rotated := false
	err = s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		cur, err := s.lockedSender(ctx, tx)
		if err != nil {
			return err
		}
		if cur.Selector != current {
			// This page's key was replaced: by this very request's twin
			// (nothing to do), or by someone else since (say so).
			var known bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM notify_senders WHERE dkim_selector = $1)`, current).Scan(&known); err != nil {
				return err
			}
			if known {
				return nil
			}
			return ErrSenderStale
		}
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return err
		}
		sealed, err := s.o.Sealer.Seal(x509.MarshalPKCS1PrivateKey(key), t.ID[:])
		if err != nil {
			return err
		}
		// The selector names the minute: unique for a city, and it tells
		// the DNS administrator which record is newer.
		selector := "hromada" + s.o.Now().UTC().Format("200601021504")
		if selector <= cur.Selector {
			selector = cur.Selector + "b"
		}
		if _, err := tx.Exec(ctx, `INSERT INTO notify_senders (tenant_id, from_name, from_address, dkim_selector, dkim_key, sms_sender, created_at)
			VALUES (app_tenant_id(), $1, $2, $3, $4, $5, greatest(now(), (SELECT max(created_at) FROM notify_senders) + interval '1 microsecond'))`,
			cur.FromName, cur.FromAddress, selector, sealed, cur.SMSSender); err != nil {
			return err
		}
		rotated = true
		return s.recordSender(ctx, tx, sg, "rotate", map[string]any{"old_selector": cur.Selector, "selector": selector})
	})
	return rotated, err
}

// lockedSender is the city's sender, with its editors queued behind each
// other.
func (s *Service) lockedSender(ctx context.Context, tx pgx.Tx) (*Sender, error) {
	if err := tenant.LockCity(ctx, tx, "notify_sender:"); err != nil {
		return nil, err
	}
	return s.sender(ctx, tx)
}

// recordSender records action on the sender in the audit log;
// notify.sender.<action>.
func (s *Service) recordSender(ctx context.Context, tx pgx.Tx, sg *identity.Signed, action string, details map[string]any) error {
	if s.o.Audit == nil {
		return nil
	}
	_, err := s.o.Audit.Record(ctx, tx, audit.Event{Actor: audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName},
		Action: "notify.sender." + action, ObjectType: "sender", ObjectID: "email", Details: details})
	return err
}
