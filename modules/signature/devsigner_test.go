package signature

import (
	"context"
	"crypto/sha256"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDevSigner(t *testing.T) {
	t.Parallel()
	ca := devCA(t)
	d := NewDevSigner(ca)
	var _ HashSigner = d
	digest := sha256.Sum256(testData)
	ctx := context.Background()

	cms, err := d.Sign(ctx, HashRequest{RNOKPP: rnokppA, DocumentName: "заява.json", Digest: digest[:]})
	require.NoError(t, err)
	s, err := VerifyDetached(testData, cms, VerifyOptions{Roots: ca.Pool(), WantRNOKPP: rnokppA})
	require.NoError(t, err)
	require.Equal(t, rnokppA, s.RNOKPP)
	require.Equal(t, "Підписувач "+rnokppA, s.CommonName)

	// The certificate is kept: a second signature is by the same one.
	cms2, err := d.Sign(ctx, HashRequest{RNOKPP: rnokppA, Digest: digest[:]})
	require.NoError(t, err)
	s2, err := VerifyDetached(testData, cms2, VerifyOptions{Roots: ca.Pool()})
	require.NoError(t, err)
	require.Equal(t, s.Certificate.Raw, s2.Certificate.Raw)

	// A named request gets a certificate in that name.
	cms3, err := d.Sign(ctx, HashRequest{RNOKPP: rnokppB, FullName: "Леся Українка", Digest: digest[:]})
	require.NoError(t, err)
	s3, err := VerifyDetached(testData, cms3, VerifyOptions{Roots: ca.Pool(), WantRNOKPP: rnokppB})
	require.NoError(t, err)
	require.Equal(t, "Леся Українка", s3.CommonName)
	cert, err := d.Certificate(rnokppB, "")
	require.NoError(t, err)
	require.Equal(t, s3.Certificate.Raw, cert.Raw)

	_, err = d.Sign(ctx, HashRequest{RNOKPP: "1759013775", Digest: digest[:]})
	require.ErrorContains(t, err, "РНОКПП")
	_, err = d.Sign(ctx, HashRequest{RNOKPP: rnokppA, Digest: digest[:16]})
	require.ErrorContains(t, err, "SHA-256")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = d.Sign(cancelled, HashRequest{RNOKPP: rnokppA, Digest: digest[:]})
	require.ErrorIs(t, err, context.Canceled)
}
