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

// The official's letters: the answer (art. 19, 20), and each question to
// the resident (art. 18, 19), are letters the official signs, laid out by
// modules/documents as applications' decisions are (the city's coat of
// arms, the provider, the number and date, the resident, the answer, who
// signed it and when, a QR code to the appeal's page) and signed through
// the same HashSigner path: inside the PDF (documents.SignWith) and as a
// detached .p7s over it (signLetter). Both are stored in the document
// store; the resident reads them in the cabinet. The signing happens between a read
// and the write, outside any transaction; the write checks the move again,
// so a second submit changes nothing.

// answerTitle is the letter's title.
const answerTitle = "Відповідь на звернення"

// answerGrounds is the law the answer is given under.
const answerGrounds = "Закон України «Про звернення громадян», статті 19, 20"

// letter is what an official's signed letter says: the answer, or a
// question to the resident (the files' kind; the detached signature's is
// kind + "_signature").
type letter struct {
	kind     string // answer | letter
	title    string
	decision string
	grounds  string
	text     string
	name     string // the PDF's file name, of the appeal's number
}

// signed is a letter signed and stored: its PDF and detached signature, not
// yet recorded in the appeal.
type signed struct {
	doc      uuid.UUID
	pdf, sig File
	at       time.Time
}

// signLetter lays out a letter of the appeal id, has the signed-in
// official sign it (inside the PDF and detached) and stores both, after
// checking that the appeal is in the status want and the official is not
// the one a complaint is about. Outside any transaction: the caller
// records the files in its own, checking the move again.
func (s *Service) signLetter(ctx context.Context, id uuid.UUID, want Status, l func(a *Appeal) letter) (*signed, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return nil, ErrNotStaff
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
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
		return nil, err
	}
	if a.AboutOfficial != nil && *a.AboutOfficial == sg.AccountID {
		return nil, ErrSubject
	}
	if a.Status != want {
		return nil, ErrTransition
	}
	lt := l(a)
	signer, err := s.Signer(ctx)
	if err != nil {
		return nil, err
	}
	out := &signed{at: s.now()}
	if out.doc, err = uuid.NewV7(); err != nil {
		return nil, err
	}
	link := "/cabinet/appeals/" + a.ID.String()
	if s.PortalURL != nil {
		link = s.PortalURL(t) + link
	}
	pdf, err := documents.Render(documents.Result{DocumentID: out.doc, Title: lt.title, Number: a.Number, IssuedAt: out.at,
		City:     documents.City{Name: t.Name, CoatOfArms: t.Branding.CoatOfArms, Assets: s.Assets},
		Provider: a.Provider.UK, Applicant: documents.Applicant{FullName: a.AuthorName},
		Service:  "Звернення № " + a.Number + " від " + a.ReceivedAt.In(tenant.Zone).Format("02.01.2006") + ": " + a.Category.UK,
		Decision: lt.decision, Grounds: lt.grounds, Comment: lt.text,
		Issuer: documents.Issuer{Position: position, FullName: sg.FullName, At: out.at}, VerifyURL: link})
	if err != nil {
		return nil, err
	}
	sign := func(digest []byte) ([]byte, error) {
		return signer.Sign(ctx, signature.HashRequest{RNOKPP: rnokpp, FullName: sg.FullName, DocumentName: lt.name, Digest: digest})
	}
	pdf, err = documents.SignWith(pdf, documents.SignOptions{At: out.at, Name: sg.FullName, Reason: lt.title, Location: t.Name, ContactInfo: link}, sign)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(pdf)
	cms, err := sign(sum[:])
	if err != nil {
		return nil, err
	}
	put := func(kind, fname, ctype string, b []byte) (File, error) {
		key := docstore.TenantKey(t.ID, "appeals/"+a.ID.String()+"/"+kind+"-"+uuid.NewString())
		st, err := s.Docs.PutDocument(ctx, key, bytes.NewReader(b), int64(len(b)), docstore.Meta{ContentType: ctype, Class: docstore.ClassResult,
			Provenance: docstore.Provenance{Origin: a.Provider.UK + ": " + sg.FullName, Destination: a.AuthorName, SentAt: out.at}})
		return File{Kind: kind, Name: fname, ContentType: ctype, Size: int64(len(b)), SHA256: st.SHA256, Key: key}, err
	}
	if out.pdf, err = put(lt.kind, lt.name, "application/pdf", pdf); err != nil {
		return nil, err
	}
	if out.sig, err = put(lt.kind+"_signature", lt.name+".p7s", "application/pkcs7-signature", cms); err != nil {
		return nil, err
	}
	return out, nil
}

// record adds a signed letter's files to the appeal, in the caller's
// transaction.
func (sl *signed) record(ctx context.Context, tx pgx.Tx, appeal uuid.UUID) error {
	for _, f := range []*File{&sl.pdf, &sl.sig} {
		var err error
		if f.ID, err = uuid.NewV7(); err != nil {
			return err
		}
		if err := addFile(ctx, tx, appeal, *f); err != nil {
			return err
		}
	}
	return nil
}

// Answer answers an appeal with text, signed by the signed-in official.
func (s *Service) Answer(ctx context.Context, id uuid.UUID, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return ErrInvalid
	}
	sl, err := s.signLetter(ctx, id, InWork, func(a *Appeal) letter {
		return letter{kind: "answer", title: answerTitle, decision: "Звернення розглянуто", grounds: answerGrounds, text: text,
			name: "vidpovid-" + a.Number + ".pdf"}
	})
	if err != nil {
		return err
	}
	return s.staffAction(ctx, id, "answer", func(ctx context.Context, tx pgx.Tx, a *Appeal, sg *identity.Signed) (map[string]any, error) {
		if a.Status != InWork {
			return nil, ErrTransition
		}
		a.Status = Answered
		_, err := tx.Exec(ctx, `UPDATE appeals SET status = 'answered', answer = $2, answered_by = $3, answered_at = $4, updated_at = now() WHERE id = $1`,
			a.ID, text, sg.AccountID, sl.at)
		if err != nil {
			return nil, err
		}
		if err := sl.record(ctx, tx, a.ID); err != nil {
			return nil, err
		}
		if err := addMessage(ctx, tx, a.ID, "answer", false, &sg.AccountID, sg.FullName, text); err != nil {
			return nil, err
		}
		return map[string]any{"document": sl.doc.String(), "sha256": sl.pdf.SHA256, "answered_at": sl.at.Format(time.RFC3339)},
			s.toResident(ctx, tx, a, "notify.appeal_answered", nil)
	})
}

// questionTitle is the title of an official's question as a letter.
const questionTitle = "Лист щодо звернення"

// questionGrounds: the body asks what it needs to consider the appeal
// (art. 19), and the resident may add materials (art. 18).
const questionGrounds = "Закон України «Про звернення громадян», статті 18, 19"

// Ask puts a question to the resident in the thread, as a letter the
// official signs like the answer (the resident downloads it); the appeal
// waits for the reply (the term runs on: the law does not stop it).
func (s *Service) Ask(ctx context.Context, id uuid.UUID, question string) error {
	question = strings.TrimSpace(question)
	if question == "" {
		return ErrInvalid
	}
	sl, err := s.signLetter(ctx, id, InWork, func(a *Appeal) letter {
		return letter{kind: "letter", title: questionTitle, decision: "Просимо надати додаткову інформацію", grounds: questionGrounds, text: question,
			name: "lyst-" + a.Number + "-" + s.now().In(tenant.Zone).Format("20060102-150405") + ".pdf"}
	})
	if err != nil {
		return err
	}
	return s.staffAction(ctx, id, "ask", func(ctx context.Context, tx pgx.Tx, a *Appeal, sg *identity.Signed) (map[string]any, error) {
		if a.Status != InWork {
			return nil, ErrTransition
		}
		a.Status = Clarification
		if _, err := tx.Exec(ctx, `UPDATE appeals SET status = 'clarification', updated_at = now() WHERE id = $1`, a.ID); err != nil {
			return nil, err
		}
		if err := sl.record(ctx, tx, a.ID); err != nil {
			return nil, err
		}
		if err := addMessageFile(ctx, tx, a.ID, "question", false, &sg.AccountID, sg.FullName, question, &sl.pdf.ID); err != nil {
			return nil, err
		}
		return map[string]any{"document": sl.doc.String(), "sha256": sl.pdf.SHA256},
			s.toResident(ctx, tx, a, "notify.appeal_question", map[string]any{"Question": question})
	})
}
