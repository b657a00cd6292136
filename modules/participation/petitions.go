package participation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/audit"
	"hromada/modules/catalog"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/modules/signature"
	"hromada/modules/terms"
	"hromada/tenant"
)

// The states of a petition as stored.
const (
	StatusModeration = "moderation" // drafted, waiting for the dispatcher
	StatusRefused    = "refused"    // the dispatcher refused to publish it, with a reason
	StatusCollecting = "collecting" // published, collecting signatures
	StatusAnswered   = "answered"   // the council answered
)

// Petition is one e-petition.
type Petition struct {
	ID            uuid.UUID
	AuthorID      uuid.UUID
	AuthorName    string
	Title, Body   string
	Status        string
	RefusalReason string
	CreatedAt     time.Time
	PublishedAt   *time.Time
	ClosesAt      *time.Time
	Threshold     int
	Signatures    int
	ReachedAt     *time.Time
	ConsiderBy    *time.Time
	Answer        string
	AnsweredAt    *time.Time
	// Districts are the signatures by where the register placed the
	// signers, filled by Petition and StaffPetition.
	Districts []DistrictCount

	byDistrict map[string]int // the row's counts by place
}

// Shown is the state a person reads: a collecting petition that reached
// its threshold is under consideration; one whose period ended short of it
// is closed.
func (p *Petition) Shown(now time.Time) string {
	switch {
	case p.Status != StatusCollecting:
		return p.Status
	case p.ReachedAt != nil:
		return "considering"
	case p.ClosesAt != nil && !now.Before(*p.ClosesAt):
		return "closed"
	}
	return StatusCollecting
}

// Open reports whether the petition may be signed at now.
func (p *Petition) Open(now time.Time) bool {
	return p.Status == StatusCollecting && p.ClosesAt != nil && now.Before(*p.ClosesAt)
}

// Percent is how far the count is toward the threshold, 0–100.
func (p *Petition) Percent() int {
	if p.Threshold <= 0 {
		return 0
	}
	return min(100, p.Signatures*100/p.Threshold)
}

// PetitionForm is a draft as typed.
type PetitionForm struct {
	// Token is the id the form was opened with, so a second submit of the
	// same form finds the petition the first made.
	Token      string
	Title      string
	Body       string
	Competence bool // the author confirms the matter is the council's
}

// The lengths a petition may have.
const (
	maxTitle = 200
	maxBody  = 10000
)

func (f PetitionForm) check() (uuid.UUID, FieldErrors) {
	errs := FieldErrors{}
	if strings.TrimSpace(f.Title) == "" {
		errs["title"] = apperr.New(apperr.Invalid, "error.petition_title")
	} else if utf8.RuneCountInString(f.Title) > maxTitle {
		errs["title"] = apperr.New(apperr.Invalid, "error.petition_title_long").With(map[string]any{"Max": maxTitle})
	}
	if strings.TrimSpace(f.Body) == "" {
		errs["body"] = apperr.New(apperr.Invalid, "error.petition_body")
	} else if utf8.RuneCountInString(f.Body) > maxBody {
		errs["body"] = apperr.New(apperr.Invalid, "error.petition_body_long").With(map[string]any{"Max": maxBody})
	}
	if !f.Competence {
		errs["competence"] = apperr.New(apperr.Invalid, "error.petition_competence")
	}
	id, err := uuid.Parse(f.Token)
	if err != nil {
		id = uuid.New()
	}
	if len(errs) > 0 {
		return uuid.Nil, errs
	}
	return id, nil
}

// Draft files the signed-in person's petition for moderation and returns
// its id. A second submit of the same form (its Token) returns the same
// petition.
func (s *Service) Draft(ctx context.Context, f PetitionForm) (uuid.UUID, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return uuid.Nil, ErrNotSignedIn
	}
	id, errs := f.check()
	if errs != nil {
		return uuid.Nil, errs
	}
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return insertPetition(ctx, tx, id, sg.AccountID, sg.FullName, strings.TrimSpace(f.Title), strings.TrimSpace(f.Body))
	})
	return id, err
}

// Petition returns petition id as the public sees it: published ones;
// the author sees their own at every state.
// Its counts by district are public once the collection is over, and
// with the districts of fewer than fewSigners merged (PublicDistricts).
func (s *Service) Petition(ctx context.Context, id uuid.UUID) (*Petition, error) {
	p, err := s.anyPetition(ctx, id)
	if err != nil {
		return nil, err
	}
	p.Districts = p.PublicDistricts(s.now())
	if p.PublishedAt == nil {
		sg := identity.SignedFrom(ctx)
		if sg == nil || sg.AccountID != p.AuthorID {
			return nil, ErrNotFound
		}
	}
	return p, nil
}

// StaffPetition returns petition id at any state, for the dispatcher and
// the council (the route checks who may), with its counts by district as
// they are.
func (s *Service) StaffPetition(ctx context.Context, id uuid.UUID) (*Petition, error) {
	return s.anyPetition(ctx, id)
}

func (s *Service) anyPetition(ctx context.Context, id uuid.UUID) (*Petition, error) {
	var p *Petition
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if p, err = petitionTx(ctx, tx, id, false); err != nil {
			return err
		}
		p.Districts, err = petitionDistricts(ctx, tx, p)
		return err
	})
	return p, err
}

// Petitions lists published petitions, newest first; staff lists every
// one when all is set (the moderation queue first).
func (s *Service) Petitions(ctx context.Context, all bool) ([]*Petition, error) {
	var out []*Petition
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = listPetitions(ctx, tx, all)
		return err
	})
	return out, err
}

// Mine lists the signed-in person's petitions not published: waiting for
// moderation, or refused (with the reason); nil for nobody signed in.
func (s *Service) Mine(ctx context.Context) ([]*Petition, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return nil, nil
	}
	var out []*Petition
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = unpublishedOf(ctx, tx, sg.AccountID)
		return err
	})
	return out, err
}

// Signed reports whether the signed-in person has signed petition id.
func (s *Service) Signed(ctx context.Context, id uuid.UUID) (bool, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return false, nil
	}
	var signed bool
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rnokpp, err := rnokppOf(ctx, tx, sg)
		if err != nil {
			return err
		}
		signed, err = hasSigned(ctx, tx, id, rnokpp)
		return err
	})
	return signed, err
}

// Signer is one name of the published list of signers.
type Signer struct {
	FullName string
	SignedAt time.Time
}

// signersPage is how many names a page of the list shows.
const signersPage = 100

// Signers returns page (from 0) of the signers of published petition id,
// in the order they signed: names only, as the law requires, nothing else.
func (s *Service) Signers(ctx context.Context, id uuid.UUID, page int) ([]Signer, *Petition, error) {
	var out []Signer
	var p *Petition
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if p, err = petitionTx(ctx, tx, id, false); err != nil {
			return err
		}
		if p.PublishedAt == nil {
			return ErrNotFound
		}
		out, err = signers(ctx, tx, id, signersPage, max(page, 0)*signersPage)
		return err
	})
	return out, p, err
}

// Publish publishes petition id on the dispatcher's word: it collects
// signatures for the city's period from now, toward the city's threshold.
// A petition already published is left as it is.
func (s *Service) Publish(ctx context.Context, id uuid.UUID) error {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return ErrNotSignedIn
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		p, err := petitionTx(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if p.Status == StatusCollecting {
			return nil // a double submit
		}
		if p.Status != StatusModeration {
			return ErrNotModeration
		}
		st, err := settingsTx(ctx, tx)
		if err != nil {
			return err
		}
		now := s.now()
		closes := now.AddDate(0, 0, st.PetitionDays)
		if err := publishPetition(ctx, tx, id, sg.AccountID, now, closes, st.Threshold); err != nil {
			return err
		}
		if err := s.record(ctx, tx, sg, access.RoleDispatcher, "petition.publish", id,
			map[string]any{"threshold": st.Threshold, "closes_at": closes.UTC().Format(time.RFC3339)}); err != nil {
			return err
		}
		return s.tell(ctx, tx, p.AuthorID, notify.Normal, "notice.petition_published", map[string]any{"Title": p.Title})
	})
}

// Refuse refuses to publish petition id, with the reason the author is
// told. A petition already refused is left as it is.
func (s *Service) Refuse(ctx context.Context, id uuid.UUID, reason string) error {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return ErrNotSignedIn
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return FieldErrors{"reason": apperr.New(apperr.Invalid, "error.petition_reason")}
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		p, err := petitionTx(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if p.Status == StatusRefused {
			return nil
		}
		if p.Status != StatusModeration {
			return ErrNotModeration
		}
		if err := refusePetition(ctx, tx, id, sg.AccountID, s.now(), reason); err != nil {
			return err
		}
		if err := s.record(ctx, tx, sg, access.RoleDispatcher, "petition.refuse", id, map[string]any{"reason": reason}); err != nil {
			return err
		}
		return s.tell(ctx, tx, p.AuthorID, notify.Normal, "notice.petition_refused", map[string]any{"Title": p.Title, "Reason": reason})
	})
}

// Sign signs petition id for the signed-in person: one click, the person
// being identified already (BankID, КЕП, Дія through the city's sign-in),
// in a city that does not require a qualified signature (Settings.Qualified;
// one that does gets ErrQualifiedRequired: SignWith).
// A second signature of the same person is ErrAlreadySigned, whatever the
// timing: the signature's key is (tenant, petition, РНОКПП). The law gives
// no way to withdraw a signature, so there is none. The signature that
// makes the count reach the threshold notifies the council and starts the
// consideration term, once. Where the signer lives is asked of the
// residents' register for the counts by district; a register that does not
// answer in time leaves the place unknown and refuses nothing.
func (s *Service) Sign(ctx context.Context, id uuid.UUID) error {
	return s.sign(ctx, id, nil)
}

// SignWith signs petition id for the signed-in person with cms, their
// qualified signature (a detached CMS) over SigningText, where the city
// requires one. The signature must verify against the city's trust list,
// as an application's does, and be the signed-in person's (the
// certificate's РНОКПП). It is kept with the signature row. In a city that
// does not require one, cms is not kept: the one click is the signature.
func (s *Service) SignWith(ctx context.Context, id uuid.UUID, cms []byte) error {
	if len(cms) == 0 {
		return FieldErrors{"signature": ErrSignatureMissing}
	}
	return s.sign(ctx, id, cms)
}

// SignOnline signs petition id for the signed-in person through the city's
// signature service (the remote signer, or the development signer), then
// as SignWith.
func (s *Service) SignOnline(ctx context.Context, id uuid.UUID) error {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return ErrNotSignedIn
	}
	if s.signs == nil {
		return ErrNoSigner
	}
	data, err := s.SigningText(ctx, id)
	if err != nil {
		return err
	}
	rnokpp, err := s.signedRNOKPP(ctx, sg)
	if err != nil {
		return err
	}
	cms, err := s.signs.SignFor(ctx, rnokpp, sg.FullName, "petition-"+id.String()+".json", data)
	if err != nil {
		return err
	}
	return s.sign(ctx, id, cms)
}

// SigningText is what the signed-in person signs to sign petition id with
// a qualified signature: the canonical JSON (signature.Canonical) of the
// petition's id, title and text's SHA-256, and the signer's РНОКПП and name.
func (s *Service) SigningText(ctx context.Context, id uuid.UUID) ([]byte, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return nil, ErrNotSignedIn
	}
	var out []byte
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		p, err := petitionTx(ctx, tx, id, false)
		if err != nil {
			return err
		}
		if p.PublishedAt == nil {
			return ErrNotFound
		}
		rnokpp, err := rnokppOf(ctx, tx, sg)
		if err != nil {
			return err
		}
		out, err = signingText(ctx, p, rnokpp, sg.FullName)
		return err
	})
	return out, err
}

// SignedPetition is the content a qualified signature of a petition
// covers: signature.Canonical of it is SigningText.
type SignedPetition struct {
	Petition   string `json:"petition"`
	City       string `json:"city"`
	Title      string `json:"title"`
	TextSHA256 string `json:"text_sha256"`
	Signer     struct {
		RNOKPP   string `json:"rnokpp"`
		FullName string `json:"full_name"`
	} `json:"signer"`
	Statement string `json:"statement"`
}

// signStatement is what the signer declares, in the signed text.
const signStatement = "Підтримую електронну петицію."

func signingText(ctx context.Context, p *Petition, rnokpp, name string) ([]byte, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(p.Body))
	c := SignedPetition{Petition: p.ID.String(), City: t.Slug, Title: p.Title, TextSHA256: hex.EncodeToString(sum[:]), Statement: signStatement}
	c.Signer.RNOKPP, c.Signer.FullName = rnokpp, name
	return signature.Canonical(c)
}

// signedRNOKPP is rnokppOf in a read transaction of its own.
func (s *Service) signedRNOKPP(ctx context.Context, sg *identity.Signed) (string, error) {
	if sg.RNOKPP != "" {
		return sg.RNOKPP, nil
	}
	var rnokpp string
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		rnokpp, err = rnokppOf(ctx, tx, sg)
		return err
	})
	return rnokpp, err
}

// petitionWords is a refusal of a signature (error.signature_…, worded
// for an application) in a petition's words (error.petition_signature_…),
// still matching the refusal it wraps (errors.Is).
func petitionWords(err error) error {
	e := apperr.As(err)
	if !strings.HasPrefix(e.Key, "error.signature_") {
		return err
	}
	return apperr.New(e.Code, "error.petition_"+strings.TrimPrefix(e.Key, "error.")).With(e.Args).Wrap(err)
}

// signing is one signature as it is stored.
type signing struct {
	rnokpp, name, place string
	account             uuid.UUID
	content, cms        []byte // the qualified signature and what it signs; nil without
}

// sign is Sign and SignWith: the checks that read (the petition open, the
// person not yet signed, the city's rule on qualified signatures, the
// signature itself) and the register's answer come before the write
// transaction, which takes the petition's row last (see the package doc).
func (s *Service) sign(ctx context.Context, id uuid.UUID, cms []byte) error {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return ErrNotSignedIn
	}
	sig := signing{account: sg.AccountID, name: sg.FullName}
	var p *Petition
	var qualified, signed bool
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if p, err = petitionTx(ctx, tx, id, false); err != nil {
			return err
		}
		if sig.rnokpp, err = rnokppOf(ctx, tx, sg); err != nil {
			return err
		}
		if signed, err = hasSigned(ctx, tx, id, sig.rnokpp); err != nil {
			return err
		}
		st, err := settingsTx(ctx, tx)
		qualified = st.Qualified
		return err
	})
	if err != nil {
		return err
	}
	if !p.Open(s.now()) {
		return ErrNotCollecting
	}
	if signed {
		return ErrAlreadySigned
	}
	switch {
	case qualified && cms == nil:
		return ErrQualifiedRequired
	case qualified:
		if s.signs == nil {
			return ErrNoSigner
		}
		if sig.content, err = signingText(ctx, p, sig.rnokpp, sg.FullName); err != nil {
			return err
		}
		if _, err := s.signs.VerifyFor(ctx, sig.content, cms, sig.rnokpp); err != nil {
			s.log.WarnContext(ctx, "participation: a petition's signature refused", "petition", id, "account", sg.AccountID, "error", err)
			return petitionWords(err)
		}
		sig.cms = cms
	}
	sig.place = s.placeOf(ctx, sig.rnokpp)
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		p, err := petitionTx(ctx, tx, id, false)
		if err != nil {
			return err
		}
		now := s.now()
		if !p.Open(now) {
			return ErrNotCollecting
		}
		added, err := insertSignature(ctx, tx, id, sig, now)
		if err != nil {
			return err
		}
		if !added {
			return ErrAlreadySigned
		}
		count, err := countSignature(ctx, tx, id, sig.place)
		if err != nil {
			return err
		}
		if count != p.Threshold {
			return nil
		}
		return s.reached(ctx, tx, p, now)
	})
}

// reached starts the council's consideration of p, whose count has just
// reached its threshold: the term on the city's calendar, and a notice to
// each member of the council (the owner role).
func (s *Service) reached(ctx context.Context, tx pgx.Tx, p *Petition, now time.Time) error {
	st, err := settingsTx(ctx, tx)
	if err != nil {
		return err
	}
	hs, err := catalog.HolidaySet(ctx, tx)
	if err != nil {
		return err
	}
	// Counted from the day it is in the city, as applications' terms are.
	due := terms.Due(now.In(tenant.Zone), catalog.Term{Days: st.ConsiderationDays, Working: true}, hs)
	if err := markReached(ctx, tx, p.ID, now, due); err != nil {
		return err
	}
	council, err := access.HoldersTx(ctx, tx, access.RoleOwner, now)
	if err != nil {
		return err
	}
	if len(council) == 0 {
		s.log.WarnContext(ctx, "participation: a petition reached its threshold and the city has no council member to tell", "petition", p.ID)
	}
	for _, acc := range council {
		if err := s.post(ctx, tx, notify.Notice{Account: acc, Kind: notify.KindNewWork, Urgency: notify.Urgent,
			Key: "notice.petition_reached", Args: map[string]any{"Title": p.Title, "Count": p.Threshold, "Due": due.Format("02.01.2006")}}); err != nil {
			return err
		}
	}
	return nil
}

// Answer publishes the council's answer on petition id, which reached its
// threshold, and tells every signer (the bulk lane: thousands of notices
// must not hold up anyone's urgent ones). A second submit changes nothing.
func (s *Service) Answer(ctx context.Context, id uuid.UUID, text string) error {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return ErrNotSignedIn
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return FieldErrors{"answer": apperr.New(apperr.Invalid, "error.petition_answer")}
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		p, err := petitionTx(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if p.Status == StatusAnswered {
			return nil
		}
		if p.Status != StatusCollecting || p.ReachedAt == nil {
			return ErrNotReached
		}
		if err := answerPetition(ctx, tx, id, sg.AccountID, s.now(), text); err != nil {
			return err
		}
		if err := s.record(ctx, tx, sg, access.RoleOwner, "petition.answer", id, nil); err != nil {
			return err
		}
		accounts, err := signerAccounts(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, acc := range accounts {
			if err := s.tell(ctx, tx, acc, notify.Bulk, "notice.petition_answered", map[string]any{"Title": p.Title}); err != nil {
				return err
			}
		}
		return nil
	})
}

// tell posts account a notice of a change of something they take part in.
func (s *Service) tell(ctx context.Context, tx pgx.Tx, account uuid.UUID, u notify.Urgency, key string, args map[string]any) error {
	return s.post(ctx, tx, notify.Notice{Account: account, Kind: notify.KindStatus, Urgency: u, Key: key, Args: args})
}

// post posts n in tx; without a notify Service (a tool with no portal)
// nothing is posted.
func (s *Service) post(ctx context.Context, tx pgx.Tx, n notify.Notice) error {
	if s.notify == nil {
		return nil
	}
	_, err := s.notify.Post(ctx, tx, n)
	return err
}

// record writes a staff act to the city's audit log, in tx: action is
// "petition.…" or "poll.…", recorded as "participation." + action (the
// words are in audit.Actions and the locales).
func (s *Service) record(ctx context.Context, tx pgx.Tx, sg *identity.Signed, role, action string, id uuid.UUID, details map[string]any) error {
	if s.audit == nil {
		return nil
	}
	_, err := s.audit.Record(ctx, tx, audit.Event{Actor: audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName, Role: role},
		Action: "participation." + action, ObjectType: strings.Split(action, ".")[0], ObjectID: id.String(), Details: details})
	if err != nil {
		return fmt.Errorf("participation: audit %s: %w", action, err)
	}
	return nil
}
