package trustlist

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// current reads a scheme's list in force, nil when there is none. Two
// imports of the same scheme take turns (a lock on its name: the first
// import has no row to lock), so the second sees what the first did.
func current(ctx context.Context, tx pgx.Tx, scheme string) (*ListInfo, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('hromada.trustlist.' || $1))`, scheme); err != nil {
		return nil, fmt.Errorf("trustlist: waiting for another import: %w", err)
	}
	var l ListInfo
	var next *time.Time
	err := tx.QueryRow(ctx, `SELECT scheme, territory, sequence_number, issued_at, next_update, sha256, source, imported_at
		FROM trusted_lists WHERE scheme = $1`, scheme).
		Scan(&l.Scheme, &l.Territory, &l.SequenceNumber, &l.IssuedAt, &next, &l.SHA256, &l.Source, &l.ImportedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("trustlist: the list in force: %w", err)
	}
	if next != nil {
		l.NextUpdate = *next
	}
	return &l, nil
}

// replace puts l in place of its scheme's rows.
func replace(ctx context.Context, tx pgx.Tx, l *list, raw []byte) error {
	info := l.info
	var next *time.Time
	if !info.NextUpdate.IsZero() {
		next = &info.NextUpdate
	}
	// The services go with the list row (ON DELETE CASCADE).
	if _, err := tx.Exec(ctx, `DELETE FROM trusted_lists WHERE scheme = $1`, info.Scheme); err != nil {
		return fmt.Errorf("trustlist: replacing %s: %w", info.Scheme, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO trusted_lists (scheme, territory, sequence_number, issued_at, next_update, sha256, xml, source, imported_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		info.Scheme, info.Territory, info.SequenceNumber, info.IssuedAt, next, info.SHA256, raw, info.Source, info.ImportedAt); err != nil {
		return fmt.Errorf("trustlist: storing %s: %w", info.Scheme, err)
	}
	b := &pgx.Batch{}
	for n, s := range l.services {
		b.Queue(`INSERT INTO trusted_services (scheme, n, provider, name, supply_points) VALUES ($1, $2, $3, $4, $5)`,
			info.Scheme, n, s.provider, s.name, s.supplyPoints)
		for _, k := range s.keys {
			b.Queue(`INSERT INTO trusted_service_keys (scheme, n, spki_sha256, certificate) VALUES ($1, $2, $3, $4)`,
				info.Scheme, n, k.spki, k.certificate)
		}
		for _, p := range s.periods {
			b.Queue(`INSERT INTO trusted_service_statuses (scheme, n, started_at, type, status, usages, qualifiers) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				info.Scheme, n, p.since, p.typ, p.status, usageStrings(p.usages), p.qualifiers)
		}
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("trustlist: storing the services of %s: %w", info.Scheme, err)
	}
	return nil
}

// statusAt finds the services whose certificate has the public key spki
// (its SHA-256) and, for each, the status period that covers at. Before a
// service's first status it is returned with no status (not granted yet),
// its first type and Until at its first status.
func statusAt(ctx context.Context, tx pgx.Tx, spki []byte, at time.Time) ([]Service, error) {
	rows, err := tx.Query(ctx, `
		SELECT s.scheme, s.provider, s.name, s.supply_points,
		       coalesce(p.type, (SELECT f.type FROM trusted_service_statuses f
		                         WHERE f.scheme = s.scheme AND f.n = s.n ORDER BY f.started_at LIMIT 1)),
		       coalesce(p.status, ''), p.started_at, coalesce(p.usages, '{}'), coalesce(p.qualifiers, '{}'),
		       (SELECT min(q.started_at) FROM trusted_service_statuses q
		        WHERE q.scheme = s.scheme AND q.n = s.n AND q.started_at > coalesce(p.started_at, '-infinity'))
		FROM trusted_services s
		LEFT JOIN LATERAL (SELECT * FROM trusted_service_statuses p
		                   WHERE p.scheme = s.scheme AND p.n = s.n AND p.started_at <= $2
		                   ORDER BY p.started_at DESC LIMIT 1) p ON true
		WHERE EXISTS (SELECT FROM trusted_service_keys k WHERE k.scheme = s.scheme AND k.n = s.n AND k.spki_sha256 = $1)
		ORDER BY s.scheme, s.n`, spki, at)
	if err != nil {
		return nil, fmt.Errorf("trustlist: looking up a service: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Service, error) {
		var s Service
		var usages []string
		var since, until *time.Time
		err := r.Scan(&s.Scheme, &s.Provider, &s.Name, &s.SupplyPoints, &s.Type, &s.Status, &since, &usages, &s.Qualifiers, &until)
		for _, u := range usages {
			s.Usages = append(s.Usages, Usage(u))
		}
		if since != nil {
			s.Since = *since
		}
		if until != nil {
			s.Until = *until
		}
		return s, err
	})
}

// caCertificates are the certificates of every service that has been a
// qualified CA (CA/QC) at some time, on any list.
func caCertificates(ctx context.Context, tx pgx.Tx) ([][]byte, error) {
	rows, err := tx.Query(ctx, `
		SELECT DISTINCT k.certificate FROM trusted_service_keys k
		WHERE EXISTS (SELECT FROM trusted_service_statuses p WHERE p.scheme = k.scheme AND p.n = k.n AND p.type = $1)`, TypeCAQC)
	if err != nil {
		return nil, fmt.Errorf("trustlist: the qualified CAs' certificates: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[[]byte])
}

// anyList reports whether any list has been imported.
func anyList(ctx context.Context, tx pgx.Tx) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM trusted_lists)`).Scan(&ok)
	return ok, err
}

// lists reads every list in force.
func lists(ctx context.Context, tx pgx.Tx) ([]ListInfo, error) {
	rows, err := tx.Query(ctx, `SELECT scheme, territory, sequence_number, issued_at, next_update, sha256, source, imported_at
		FROM trusted_lists ORDER BY scheme`)
	if err != nil {
		return nil, fmt.Errorf("trustlist: the lists in force: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ListInfo, error) {
		var l ListInfo
		var next *time.Time
		err := r.Scan(&l.Scheme, &l.Territory, &l.SequenceNumber, &l.IssuedAt, &next, &l.SHA256, &l.Source, &l.ImportedAt)
		if next != nil {
			l.NextUpdate = *next
		}
		return l, err
	})
}

func usageStrings(us []Usage) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = string(u)
	}
	return out
}

// GrantedCAsTx returns the certificates of the qualified CAs whose service
// for usage is granted at at, in the caller's transaction: the anchors a
// city trusts beside its own trust list (applications' roots). A CA
// withdrawn before at is left out, so a signature made now under it is
// refused as untrusted; checking an older signing time against the
// history is QualifiedAt's.
func GrantedCAsTx(ctx context.Context, tx pgx.Tx, at time.Time, usage Usage) ([]*x509.Certificate, error) {
	return grantedTx(ctx, tx, `
		SELECT DISTINCT k.certificate FROM trusted_service_keys k
		JOIN LATERAL (SELECT s.type, s.status, s.usages FROM trusted_service_statuses s
			WHERE s.scheme = k.scheme AND s.n = k.n AND s.started_at <= $1 ORDER BY s.started_at DESC LIMIT 1) cur ON true
		WHERE cur.type = $2 AND cur.status = ANY($3) AND $4 = ANY(cur.usages)`, "qualified CAs", at, TypeCAQC, grantedStatuses, string(usage))
}

// GrantedTSAsTx returns the certificates of the qualified time-stamping
// services (TSA/QTST) granted at at: the TSAs whose signature timestamps
// a signature's verification trusts (a service's identity is its TSU's
// certificate or the CA that issues them; either anchors the chain).
func GrantedTSAsTx(ctx context.Context, tx pgx.Tx, at time.Time) ([]*x509.Certificate, error) {
	return grantedTx(ctx, tx, `
		SELECT DISTINCT k.certificate FROM trusted_service_keys k
		JOIN LATERAL (SELECT s.type, s.status FROM trusted_service_statuses s
			WHERE s.scheme = k.scheme AND s.n = k.n AND s.started_at <= $1 ORDER BY s.started_at DESC LIMIT 1) cur ON true
		WHERE cur.type = $2 AND cur.status = ANY($3)`, "qualified TSAs", at, TypeTSAQC, grantedStatuses)
}

// grantedTx runs a query of certificates (DER) and parses them; what
// names them in errors.
func grantedTx(ctx context.Context, tx pgx.Tx, query, what string, args ...any) ([]*x509.Certificate, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("trustlist: the granted %s: %w", what, err)
	}
	ders, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, fmt.Errorf("trustlist: the granted %s: %w", what, err)
	}
	out := make([]*x509.Certificate, 0, len(ders))
	for _, der := range ders {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("trustlist: a listed certificate does not parse: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}
