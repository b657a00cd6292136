package appeals

import (
	"bytes"
	"context"
	"crypto/sha256"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/access"
	"hromada/modules/docstore"
	"hromada/modules/documents"
	"hromada/modules/identity"
	"hromada/modules/signature"
	"hromada/tenant"
)

// The answer (art. 19, 20): a letter the official signs, laid out by
// modules/documents as applications' decisions are (the city's coat of
// arms, the provider, the number and date, the resident, the answer, who
// signed it and when, a QR code to the appeal's page) and signed through
// the same HashSigner path: inside the PDF (documents.SignWith) and as a
// detached .p7s over it. Both are stored in the document store; the
// resident reads them in the cabinet. The signing happens between a read
// and the write, outside any transaction; the write checks the move again,
// so a second submit changes nothing.

// answerTitle is the letter's title.
const answerTitle = "Відповідь на звернення"

// answerGrounds is the law the answer is given under.
const answerGrounds = "Закон України «Про звернення громадян», статті 19, 20"

// Answer answers an appeal with text, signed by the signed-in official.
func (s *Service) Answer(ctx context.Context, id uuid.UUID, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return ErrInvalid
	}
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return ErrNotStaff
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return err
	}
	var (
		a        *Appeal
		rnokpp   string
		position string
	)
	err = s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if a, err = appealByID(ctx, tx, id, false); err != nil {
			return err
		}
		if a.ProviderID == nil {
			return ErrTransition
		}
		acc, err := identity.AccountTx(ctx, tx, sg.AccountID)
		if err != nil {
			return err
		}
		rnokpp = acc.RNOKPP
		position, err = access.Position(ctx, tx, sg.AccountID, *a.ProviderID)
		return err
	})
	if err != nil {
		return err
	}
	if a.AboutOfficial != nil && *a.AboutOfficial == sg.AccountID {
		return ErrSubject
	}
	if a.Status != InWork {
		return ErrTransition
	}
	signer, err := s.Signer(ctx)
	if err != nil {
		return err
	}
	docID, err := uuid.NewV7()
	if err != nil {
		return err
	}
	now := s.now()
	link := "/cabinet/appeals/" + a.ID.String()
	if s.PortalURL != nil {
		link = s.PortalURL(t) + link
	}
	name := "vidpovid-" + a.Number + ".pdf"
	pdf, err := documents.Render(documents.Result{DocumentID: docID, Title: answerTitle, Number: a.Number, IssuedAt: now,
		City:     documents.City{Name: t.Name, CoatOfArms: t.Branding.CoatOfArms, Assets: s.Assets},
		Provider: a.Provider.UK, Applicant: documents.Applicant{FullName: a.AuthorName},
		Service:  "Звернення № " + a.Number + " від " + a.ReceivedAt.In(tenant.Zone).Format("02.01.2006") + ": " + a.Category.UK,
		Decision: "Звернення розглянуто", Grounds: answerGrounds, Comment: text,
		Issuer: documents.Issuer{Position: position, FullName: sg.FullName, At: now}, VerifyURL: link})
	if err != nil {
		return err
	}
	sign := func(digest []byte) ([]byte, error) {
		return signer.Sign(ctx, signature.HashRequest{RNOKPP: rnokpp, FullName: sg.FullName, DocumentName: name, Digest: digest})
	}
	signed, err := documents.SignWith(pdf, documents.SignOptions{At: now, Name: sg.FullName, Reason: answerTitle, Location: t.Name, ContactInfo: link}, sign)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(signed)
	cms, err := sign(sum[:])
	if err != nil {
		return err
	}
	put := func(kind, fname, ctype string, b []byte) (File, error) {
		key := docstore.TenantKey(t.ID, "appeals/"+a.ID.String()+"/"+kind+"-"+uuid.NewString())
		st, err := s.Docs.PutDocument(ctx, key, bytes.NewReader(b), int64(len(b)), docstore.Meta{ContentType: ctype, Class: docstore.ClassResult,
			Provenance: docstore.Provenance{Origin: a.Provider.UK + ": " + sg.FullName, Destination: a.AuthorName, SentAt: now}})
		return File{Kind: kind, Name: fname, ContentType: ctype, Size: int64(len(b)), SHA256: st.SHA256, Key: key}, err
	}
	letter, err := put("answer", name, "application/pdf", signed)
	if err != nil {
		return err
	}
	sig, err := put("answer_signature", name+".p7s", "application/pkcs7-signature", cms)
	if err != nil {
		return err
	}
	return s.staffAction(ctx, id, "answer", func(ctx context.Context, tx pgx.Tx, a *Appeal, sg *identity.Signed) (map[string]any, error) {
		if a.Status != InWork {
			return nil, ErrTransition
		}
		a.Status = Answered
		_, err := tx.Exec(ctx, `UPDATE appeals SET status = 'answered', answer = $2, answered_by = $3, answered_at = $4, updated_at = now() WHERE id = $1`,
			a.ID, text, sg.AccountID, now)
		if err != nil {
			return nil, err
		}
		for _, f := range []File{letter, sig} {
			if err := addFile(ctx, tx, a.ID, f); err != nil {
				return nil, err
			}
		}
		if err := addMessage(ctx, tx, a.ID, "answer", false, &sg.AccountID, sg.FullName, text); err != nil {
			return nil, err
		}
		return map[string]any{"document": docID.String(), "sha256": letter.SHA256, "answered_at": now.Format(time.RFC3339)},
			s.toResident(ctx, tx, a, "notify.appeal_answered", nil)
	})
}
