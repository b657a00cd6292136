package revocation

import (
	"context"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// counting answers good (or err) and counts what it was asked.
type counting struct {
	asked int
	err   error
	now   time.Time
}

func (c *counting) Check(_ context.Context, _, _ *x509.Certificate, _ time.Time) (*Result, error) {
	c.asked++
	if c.err != nil {
		return nil, c.err
	}
	return &Result{Evidence: Evidence{Source: OCSP, ThisUpdate: c.now, NextUpdate: c.now.Add(time.Hour), FetchedAt: c.now}}, nil
}

// The seal's answer is asked once and reused within MaxAge while it still
// speaks of the time; past MaxAge, for another certificate, or after an
// error, the CA is asked again.
func TestCacheReusesGoodAnswers(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	now := t0
	inner := &counting{now: t0}
	c := &Cache{Revocation: inner, MaxAge: 5 * time.Minute, Now: func() time.Time { return now }}
	seal, other, ca := &x509.Certificate{Raw: []byte("seal")}, &x509.Certificate{Raw: []byte("other")}, &x509.Certificate{Raw: []byte("ca")}

	for range 3 {
		_, err := c.Check(t.Context(), seal, ca, t0)
		require.NoError(t, err)
	}
	require.Equal(t, 1, inner.asked, "asked once")
	_, err := c.Check(t.Context(), other, ca, t0)
	require.NoError(t, err)
	require.Equal(t, 2, inner.asked, "another certificate is asked")

	now = t0.Add(4 * time.Minute)
	_, err = c.Check(t.Context(), seal, ca, now)
	require.NoError(t, err)
	require.Equal(t, 2, inner.asked, "within MaxAge")
	_, err = c.Check(t.Context(), seal, ca, t0.Add(2*time.Hour))
	require.NoError(t, err)
	require.Equal(t, 3, inner.asked, "an answer that does not speak of the time asked is not reused")

	now = t0.Add(6 * time.Minute)
	inner.err = errors.New("responder down")
	_, err = c.Check(t.Context(), other, ca, now)
	require.Error(t, err, "past MaxAge the CA is asked, and its failure is the answer")
	require.Equal(t, 4, inner.asked)
	_, err = c.Check(t.Context(), other, ca, now)
	require.Error(t, err, "a failure is not kept")
	require.Equal(t, 5, inner.asked)
}
