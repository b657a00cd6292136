package registries

import (
	"context"
	"errors"
	"fmt"
)

// Pipeline answers the automatic pipeline's registry checks: it has the
// method set of applications.Registry, which this package cannot import
// (applications stands above it), so the root wires
//
//	&registries.Pipeline{Client: client, NoRecord: applications.ErrNoRecord}
type Pipeline struct {
	Client *Client
	// NoRecord is the pipeline's own "no such record" error; Lookup
	// returns it, wrapping ErrNotFound, when a registry has no record.
	NoRecord error
}

// Lookup runs the lookup named lookup (residence, vehicles, benefits,
// land) about subject, for purpose.
func (p *Pipeline) Lookup(ctx context.Context, lookup, subject, purpose string) (any, error) {
	v, err := Lookup(ctx, p.Client, lookup, subject, purpose)
	if err != nil && p.NoRecord != nil && errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: %w", p.NoRecord, err)
	}
	return v, err
}

// Explain is Reason: why a lookup failed, in Ukrainian, for officials.
func (p *Pipeline) Explain(err error) string { return Reason(err) }

// Retryable is the package's Retryable.
func (p *Pipeline) Retryable(err error) bool { return Retryable(err) }

// Retryable says whether asking again later may help: yes when the registry
// was unavailable (timeouts, 5xx, an open breaker), no when the answer was
// a refusal, garbage or "no record", the configuration is missing, or the
// TLS handshake failed on certificates (someone must fix those first).
func Retryable(err error) bool {
	return errors.Is(err, ErrUnavailable) && !errors.Is(err, errTLS)
}
