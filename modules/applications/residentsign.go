package applications

import (
	"context"
	"crypto/sha256"
	"time"

	"github.com/jackc/pgx/v5"

	"hromada/modules/signature"
	"hromada/modules/signature/revocation"
)

// SignFor has the person rnokpp sign data, named document, through the
// city's resident signer (the remote signature service, or the
// development signer): what another module's qualified signature (a
// petition's) is made with, as an application's is.
func (s *Service) SignFor(ctx context.Context, rnokpp, fullName, document string, data []byte) ([]byte, error) {
	signer, err := s.residentSigner(ctx)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	cms, err := signer.Sign(ctx, signature.HashRequest{RNOKPP: rnokpp, FullName: fullName, DocumentName: document, Digest: sum[:]})
	if err != nil {
		return nil, ErrSignature.Wrap(err)
	}
	return cms, nil
}

// VerifyFor verifies cms as the person rnokpp's qualified signature over
// data, the way Submit verifies an application's: the city's trust list
// (read again once when the cached one does not trust it), the signer's
// РНОКПП, and where the Service checks revocation, the certificate's
// status at the signing time. The error is the refusal a person reads
// (ErrSignatureTampered, ErrSignatureOther, …); every one of them matches
// ErrSignature.
func (s *Service) VerifyFor(ctx context.Context, data, cms []byte, rnokpp string) (*signature.Signer, error) {
	var signer *signature.Signer
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var refused, err error
		signer, refused, err = s.verifyReceived(ctx, tx, data, cms, signature.VerifyOptions{WantRNOKPP: rnokpp, External: s.External})
		if err != nil {
			return err
		}
		if refused != nil {
			return signatureRefused(refused)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := s.certificateStatus(ctx, signer, revocation.SigningTime(signer.Timestamp, s.now())); err != nil {
		return nil, revocationRefused(err)
	}
	// A signing time in the future is a skewed clock's, never later than
	// now for the record.
	if signer.SigningTime.IsZero() || signer.SigningTime.After(s.now().Add(time.Minute)) {
		signer.SigningTime = s.now()
	}
	return signer, nil
}
