package trustlist

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// Qualifier is what a signature's verification asks of the Trusted List
// (modules/signature and modules/applications depend on this, not on the
// database behind it); *Register is the implementation.
type Qualifier interface {
	Roots(ctx context.Context) (*x509.CertPool, error)
	QualifiedAt(ctx context.Context, issuer *x509.Certificate, at time.Time, usage Usage) (*Service, error)
}

var _ Qualifier = (*Register)(nil)

// Import verifies a Trusted List's seal, parses what the seal covers and
// puts it in place of the list of the same scheme, in one transaction.
// source says where it came from (a file name, a URL), for the operator.
// Any failure — the seal (ErrSeal, ErrSealAlgorithm, ErrNoAnchor), the
// format (ErrMalformed), an older list (ErrStale) — changes nothing. The
// same list imported again changes nothing either, and says so
// (changed false).
func (r *Register) Import(ctx context.Context, raw []byte, source string) (info *ListInfo, changed bool, err error) {
	signed, err := r.verifySeal(raw)
	if err != nil {
		return nil, false, err
	}
	l, err := parse(signed)
	if err != nil {
		return nil, false, err
	}
	sum := sha256.Sum256(raw)
	l.info.SHA256 = hex.EncodeToString(sum[:])
	l.info.Source = source
	l.info.ImportedAt = r.now().UTC()
	err = pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		cur, err := current(ctx, tx, l.info.Scheme)
		if err != nil {
			return err
		}
		switch {
		case cur == nil:
		case cur.SequenceNumber == l.info.SequenceNumber && cur.SHA256 == l.info.SHA256:
			return nil
		case cur.SequenceNumber >= l.info.SequenceNumber:
			return ErrStale.With(map[string]any{"Have": cur.SequenceNumber, "Got": l.info.SequenceNumber}).
				Wrap(fmt.Errorf("%s: sequence number %d, the list in force has %d", l.info.Scheme, l.info.SequenceNumber, cur.SequenceNumber))
		}
		changed = true
		return replace(ctx, tx, l, raw)
	})
	if err != nil {
		return nil, false, err
	}
	if changed {
		r.log.InfoContext(ctx, "trustlist: imported", "scheme", l.info.Scheme, "sequence", l.info.SequenceNumber,
			"issued", l.info.IssuedAt, "next_update", l.info.NextUpdate, "services", l.info.Services, "qualified_cas", l.info.QualifiedCAs, "source", source)
	}
	return &l.info, changed, nil
}

// QualifiedAt answers whether issuer — the CA certificate that issued a
// signer's or a seal's certificate, already checked to have signed it — is
// a qualified CA (CA/QC) on a Trusted List whose service was granted for
// usage at the time at (the signing time: a trusted timestamp's, else the
// receipt's). It returns that service as it stood then. The refusals are
// ErrNotListed (no CA/QC with this key on any list), ErrNotGranted (listed,
// but not granted at that time: withdrawn before it, or granted after) and
// ErrWrongUsage (granted, but for other usages); ErrNoList when no list has
// been imported at all.
func (r *Register) QualifiedAt(ctx context.Context, issuer *x509.Certificate, at time.Time, usage Usage) (*Service, error) {
	var found []Service
	err := r.read(ctx, func(tx pgx.Tx) error {
		ok, err := anyList(ctx, tx)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNoList
		}
		found, err = statusAt(ctx, tx, spkiHash(issuer), at)
		return err
	})
	if err != nil {
		return nil, err
	}
	// One key may be listed more than once (on both lists, or as a CA and
	// as an OCSP responder): any granted CA/QC for the usage will do; the
	// most telling refusal otherwise.
	var refusal error = ErrNotListed.Wrap(fmt.Errorf("%s at %s: no qualified CA with its key", issuer.Subject, at.UTC().Format(time.RFC3339)))
	rank := 0
	for i := range found {
		s := &found[i]
		switch {
		case s.Type != TypeCAQC:
		case !s.Granted():
			if rank < 2 {
				rank, refusal = 2, ErrNotGranted.With(map[string]any{"Provider": s.Provider, "Since": s.Since}).
					Wrap(fmt.Errorf("%s of %s at %s: status %s since %s", s.Name, s.Provider, at.UTC().Format(time.RFC3339), s.Status, s.Since.Format(time.RFC3339)))
			}
		case !slices.Contains(s.Usages, usage):
			if rank < 1 {
				rank, refusal = 1, ErrWrongUsage.With(map[string]any{"Provider": s.Provider}).
					Wrap(fmt.Errorf("%s of %s is for %v, not %s", s.Name, s.Provider, s.Usages, usage))
			}
		default:
			return s, nil
		}
	}
	return nil, refusal
}

// Roots returns the certificates of every qualified CA on the lists, of
// any status: the roots a signer's chain is built to (x509.VerifyOptions.
// Roots; a CA's certificate serves as an anchor though the ЦЗО issued it).
// Whether the CA's service was granted at the signing time is QualifiedAt's
// question, asked of the CA the chain ends at.
func (r *Register) Roots(ctx context.Context) (*x509.CertPool, error) {
	var ders [][]byte
	err := r.read(ctx, func(tx pgx.Tx) error {
		var err error
		ders, err = caCertificates(ctx, tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, der := range ders {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("trustlist: a listed certificate does not parse: %w", err)
		}
		pool.AddCert(c)
	}
	return pool, nil
}

// Lists returns the lists in force, by scheme.
func (r *Register) Lists(ctx context.Context) ([]ListInfo, error) {
	var out []ListInfo
	err := r.read(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = lists(ctx, tx)
		return err
	})
	return out, err
}

// Health is the state of the lists for /readyz and the metrics.
type Health struct {
	// State is "ok", "stale" (a list is past its NextUpdate: a refresh
	// has not brought a newer one) or "none" (no list imported).
	State string
	// Age is how long ago the oldest list in force was issued.
	Age time.Duration
	// Overdue names the schemes past their NextUpdate.
	Overdue []string
}

// Health reads the lists' state at the register's now.
func (r *Register) Health(ctx context.Context) (*Health, error) {
	ls, err := r.Lists(ctx)
	if err != nil {
		return nil, err
	}
	h := &Health{State: "none"}
	now := r.now()
	for _, l := range ls {
		h.State = "ok"
		h.Age = max(h.Age, now.Sub(l.IssuedAt))
		if !l.NextUpdate.IsZero() && now.After(l.NextUpdate) {
			h.Overdue = append(h.Overdue, l.Scheme)
		}
	}
	if len(h.Overdue) > 0 {
		h.State = "stale"
	}
	return h, nil
}

// read runs fn in a read-only transaction on the platform tables.
func (r *Register) read(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, r.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, fn)
}
