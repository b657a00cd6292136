package participation

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/identity"
	"hromada/modules/registries"
	"hromada/tenant"
	"hromada/ukid"
)

// The states of a poll as stored.
const (
	PollDraft     = "draft"
	PollPublished = "published"
	PollClosed    = "closed"
)

// The ways a ballot is cast.
const (
	Online = "online"
	Paper  = "paper"
)

// Poll is a poll on a city's initiative.
type Poll struct {
	ID uuid.UUID
	// Provider is the provider whose head runs the poll; nil: the
	// dispatcher's, the city's.
	Provider    *uuid.UUID
	Title       string
	Question    string
	Multiple    bool // several options may be chosen
	FreeAnswer  bool // a voter may add their own answer
	Area        string
	AreaName    string
	MinAge      int
	Changeable  bool // an online vote may be changed until the poll closes
	LiveResults bool // results are shown while it runs
	Status      string
	ClosesAt    time.Time
	PublishedAt *time.Time
	ClosedAt    *time.Time
	Options     []Option
	Ballots     int
}

// Option is one answer of a poll, numbered from 1.
type Option struct {
	Position int
	Label    string
}

// Shown is the state a person reads: a published poll past its closing
// time is closed.
func (p *Poll) Shown(now time.Time) string {
	if p.Status == PollPublished && !now.Before(p.ClosesAt) {
		return PollClosed
	}
	return p.Status
}

// LastDay is the last day of voting, in the city's time: the day before
// ClosesAt's midnight.
func (p *Poll) LastDay() string {
	return p.ClosesAt.In(tenant.Zone).Add(-time.Second).Format("02.01.2006")
}

// Open reports whether the poll takes votes at now.
func (p *Poll) Open(now time.Time) bool { return p.Shown(now) == PollPublished }

// ResultsShown reports whether anyone may see the results at now.
func (p *Poll) ResultsShown(now time.Time) bool {
	s := p.Shown(now)
	return s == PollClosed || s == PollPublished && p.LiveResults
}

// PollForm is a poll as the dispatcher or a provider head types it.
type PollForm struct {
	// Provider is the provider's id (a head's poll); empty: the city's.
	Provider        string
	Title, Question string
	// Options are the answers, one a line.
	Options     string
	Multiple    bool
	FreeAnswer  bool
	Area        string
	MinAge      string
	Changeable  bool
	LiveResults bool
	// ClosesOn is the last day of voting (YYYY-MM-DD); voting ends at
	// its end, in the city's time.
	ClosesOn string
}

func (f PollForm) parse(now time.Time, areas []Area) (*Poll, FieldErrors) {
	errs := FieldErrors{}
	p := &Poll{Title: strings.TrimSpace(f.Title), Question: strings.TrimSpace(f.Question), Multiple: f.Multiple,
		FreeAnswer: f.FreeAnswer, Area: f.Area, Changeable: f.Changeable, LiveResults: f.LiveResults}
	if f.Provider != "" {
		id, err := uuid.Parse(f.Provider)
		if err != nil {
			errs["provider"] = ErrNotFound
		}
		p.Provider = &id
	}
	if p.Title == "" || utf8.RuneCountInString(p.Title) > maxTitle {
		errs["title"] = apperr.New(apperr.Invalid, "error.poll_title").With(map[string]any{"Max": maxTitle})
	}
	if p.Question == "" {
		errs["question"] = apperr.New(apperr.Invalid, "error.poll_question")
	}
	for line := range strings.Lines(f.Options) {
		if l := strings.TrimSpace(line); l != "" {
			p.Options = append(p.Options, Option{Position: len(p.Options) + 1, Label: l})
		}
	}
	if len(p.Options) < 2 || len(p.Options) > 20 {
		errs["options"] = apperr.New(apperr.Invalid, "error.poll_options")
	}
	i := slices.IndexFunc(areas, func(a Area) bool { return a.Code == f.Area })
	if i < 0 {
		errs["area"] = apperr.New(apperr.Invalid, "error.poll_area")
	} else {
		p.AreaName = areas[i].Name
	}
	age, err := strconv.Atoi(strings.TrimSpace(f.MinAge))
	if err != nil || age < 0 || age > 120 {
		errs["min_age"] = apperr.New(apperr.Invalid, "error.poll_min_age")
	}
	p.MinAge = age
	day, err := time.ParseInLocation("2006-01-02", f.ClosesOn, tenant.Zone)
	if err != nil || !day.AddDate(0, 0, 1).After(now) {
		errs["closes_on"] = apperr.New(apperr.Invalid, "error.poll_closes_on")
	}
	p.ClosesAt = day.AddDate(0, 0, 1)
	if len(errs) > 0 {
		return nil, errs
	}
	return p, nil
}

// Area is where a poll may be held: the city or one of its districts.
type Area struct {
	Code, Name string
	District   bool
}

// Areas are the city's areas: the city, then its districts; none until the
// city's КАТОТТГ code is set.
func (s *Service) Areas(ctx context.Context) ([]Area, error) {
	var out []Area
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = areasTx(ctx, tx)
		return err
	})
	return out, err
}

func areasTx(ctx context.Context, tx pgx.Tx) ([]Area, error) {
	st, err := settingsTx(ctx, tx)
	if err != nil || st.City == "" {
		return nil, err
	}
	return cityAreas(ctx, tx, st.City)
}

// CreatePoll drafts a poll on the signed-in person's word, acting in role
// (the dispatcher, or a provider head for f.Provider's poll), and returns
// its id.
func (s *Service) CreatePoll(ctx context.Context, role string, f PollForm) (uuid.UUID, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return uuid.Nil, ErrNotSignedIn
	}
	id := uuid.New()
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		areas, err := areasTx(ctx, tx)
		if err != nil {
			return err
		}
		p, errs := f.parse(s.now(), areas)
		if errs != nil {
			return errs
		}
		p.ID = id
		if err := insertPoll(ctx, tx, p, sg.AccountID); err != nil {
			return err
		}
		return s.record(ctx, tx, sg, role, "poll.create", id, map[string]any{"title": p.Title, "area": p.Area, "provider": f.Provider})
	})
	return id, err
}

// PublishPoll opens a draft poll for votes, on the word of the person
// signed in acting in role; ClosePoll ends a published one before its
// time. Repeating either changes nothing.
func (s *Service) PublishPoll(ctx context.Context, role string, id uuid.UUID) error {
	return s.movePoll(ctx, role, id, PollDraft, PollPublished, "poll.publish")
}

// ClosePoll closes published poll id now.
func (s *Service) ClosePoll(ctx context.Context, role string, id uuid.UUID) error {
	return s.movePoll(ctx, role, id, PollPublished, PollClosed, "poll.close")
}

func (s *Service) movePoll(ctx context.Context, role string, id uuid.UUID, from, to, action string) error {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return ErrNotSignedIn
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		p, err := pollTx(ctx, tx, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		if p.Status == to {
			return nil
		}
		now := s.now()
		if p.Status != from || to == PollPublished && !now.Before(p.ClosesAt) {
			return ErrPollNotDraft
		}
		if err := setPollStatus(ctx, tx, id, to, now); err != nil {
			return err
		}
		return s.record(ctx, tx, sg, role, action, id, nil)
	})
}

// Polls lists published and closed polls, newest first; with all, drafts
// too (staff); with provider, that provider's only.
func (s *Service) Polls(ctx context.Context, all bool, provider *uuid.UUID) ([]*Poll, error) {
	var out []*Poll
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = listPolls(ctx, tx, all, provider)
		return err
	})
	return out, err
}

// Poll returns poll id with its options; a draft only when staff is set.
func (s *Service) Poll(ctx context.Context, id uuid.UUID, staff bool) (*Poll, error) {
	var p *Poll
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		p, err = pollTx(ctx, tx, id, "")
		return err
	})
	if err == nil && p.Status == PollDraft && !staff {
		return nil, ErrNotFound
	}
	return p, err
}

// Ballot is what a voter chose.
type Ballot struct {
	Choices []int // option positions
	Free    string
	Channel string // Online or Paper, as read back
}

// maxFree is how long a free answer may be.
const maxFree = 1000

func (b Ballot) check(p *Poll) FieldErrors {
	ok := len(b.Choices) > 0 && (p.Multiple || len(b.Choices) == 1)
	for _, c := range b.Choices {
		ok = ok && c >= 1 && c <= len(p.Options)
	}
	errs := FieldErrors{}
	if !ok {
		errs["choice"] = ErrChoiceRequired
	}
	if utf8.RuneCountInString(b.Free) > maxFree || !p.FreeAnswer && strings.TrimSpace(b.Free) != "" {
		errs["free"] = apperr.New(apperr.Invalid, "error.poll_free").With(map[string]any{"Max": maxFree})
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// MyBallot returns the signed-in person's ballot in poll id, or nil.
func (s *Service) MyBallot(ctx context.Context, id uuid.UUID) (*Ballot, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return nil, nil
	}
	var b *Ballot
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rnokpp, err := rnokppOf(ctx, tx, sg)
		if err != nil {
			return err
		}
		b, err = ballotOf(ctx, tx, id, rnokpp)
		return err
	})
	return b, err
}

// Vote casts the signed-in person's ballot in poll id, online. The
// residents' register decides whether they may (the poll's area and age);
// one ballot per person, online or on paper: a second is ErrAlreadyVoted,
// unless the poll lets an online vote change until it closes.
func (s *Service) Vote(ctx context.Context, id uuid.UUID, b Ballot) error {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return ErrNotSignedIn
	}
	rnokpp := sg.RNOKPP
	if rnokpp == "" {
		err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			var err error
			rnokpp, err = rnokppOf(ctx, tx, sg)
			return err
		})
		if err != nil {
			return err
		}
	}
	return s.cast(ctx, id, rnokpp, b, Online, sg.AccountID)
}

// PaperVote records a paper ballot a poll officer took at a centre from
// the person with rnokpp (read from their document). The same checks as
// online, and the same key: a person who voted online is refused here, and
// one recorded here cannot vote online.
func (s *Service) PaperVote(ctx context.Context, id uuid.UUID, rnokpp string, b Ballot) error {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return ErrNotSignedIn
	}
	rnokpp = strings.TrimSpace(rnokpp)
	if !ukid.ValidRNOKPP(rnokpp) {
		return FieldErrors{"rnokpp": ErrInvalidRNOKPP}
	}
	return s.cast(ctx, id, rnokpp, b, Paper, sg.AccountID)
}

// cast checks and stores a ballot: the poll and the choices first, then
// the register (a network call, outside any transaction), then the ballot
// in one transaction that takes the poll's row FOR SHARE, so a close
// waits for the votes in flight and no vote lands after it.
func (s *Service) cast(ctx context.Context, id uuid.UUID, rnokpp string, b Ballot, channel string, by uuid.UUID) error {
	p, err := s.Poll(ctx, id, false)
	if err != nil {
		return err
	}
	if !p.Open(s.now()) {
		return ErrPollNotOpen
	}
	if errs := b.check(p); errs != nil {
		return errs
	}
	place, err := s.eligible(ctx, p, rnokpp)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		p, err := pollTx(ctx, tx, id, "FOR SHARE")
		if err != nil {
			return err
		}
		if !p.Open(s.now()) {
			return ErrPollNotOpen
		}
		added, err := insertBallot(ctx, tx, id, rnokpp, channel, by, place, strings.TrimSpace(b.Free), b.Choices)
		if err != nil || added {
			return err
		}
		had, err := ballotOf(ctx, tx, id, rnokpp)
		if err != nil {
			return err
		}
		if channel != Online || had.Channel != Online || !p.Changeable {
			return ErrAlreadyVoted
		}
		return changeBallot(ctx, tx, id, rnokpp, strings.TrimSpace(b.Free), b.Choices, s.now())
	})
}

// eligible asks the register whether the person rnokpp may vote in p, and
// returns the КАТОТТГ code of where they are registered: their district
// where the register names one (so a district poll can tell residents of
// one district from another's), else their settlement.
func (s *Service) eligible(ctx context.Context, p *Poll, rnokpp string) (string, error) {
	if age(rnokpp, s.today()) < p.MinAge {
		return "", ErrTooYoung.With(map[string]any{"Age": p.MinAge})
	}
	if s.register == nil {
		return "", ErrRegister.Wrap(errors.New("participation: no residents' register is wired"))
	}
	rec, err := s.register(ctx, rnokpp, PurposePoll)
	if errors.Is(err, registries.ErrNotFound) {
		return "", ErrNotEligible.With(map[string]any{"Area": p.AreaName})
	}
	if err != nil {
		s.log.WarnContext(ctx, "participation: the residents' register did not answer", "poll", p.ID, "error", err)
		return "", ErrRegister.Wrap(err)
	}
	if !rec.Registered {
		return "", ErrNotEligible.With(map[string]any{"Area": p.AreaName})
	}
	var in bool
	err = s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		in, err = within(ctx, tx, rec.Place(), p.Area)
		return err
	})
	if err != nil {
		return "", err
	}
	if !in {
		return "", ErrNotEligible.With(map[string]any{"Area": p.AreaName})
	}
	return rec.Place(), nil
}

// age is the age on day of the person whose РНОКПП is rnokpp: its first
// five digits count the days from 31.12.1899 to the birth date.
func age(rnokpp string, day time.Time) int {
	n, err := strconv.Atoi(rnokpp[:5])
	if err != nil {
		return 0
	}
	born := time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
	years := day.Year() - born.Year()
	if day.Month() < born.Month() || day.Month() == born.Month() && day.Day() < born.Day() {
		years--
	}
	return years
}

// Result is one option's count.
type Result struct {
	Option
	Votes   int
	Percent int // of the ballots (a multiple choice poll's add up to more than 100)
}

// Results are a poll's results.
type Results struct {
	Poll          *Poll
	Options       []Result
	Ballots       int
	Online, Paper int
	Free          []string
	// Districts are the people who voted by where the register placed
	// them.
	Districts []DistrictCount
}

// Results returns poll id's results, when they may be shown (at close, or
// all along if the poll says so); ErrNotFound otherwise.
func (s *Service) Results(ctx context.Context, id uuid.UUID) (*Results, error) {
	var res *Results
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		p, err := pollTx(ctx, tx, id, "")
		if err != nil {
			return err
		}
		if !p.ResultsShown(s.now()) {
			return ErrNotFound
		}
		if res, err = results(ctx, tx, p); err != nil {
			return err
		}
		res.Districts, err = pollDistricts(ctx, tx, p.ID)
		return err
	})
	return res, err
}
