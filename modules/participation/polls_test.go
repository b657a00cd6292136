package participation_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/participation"
	"hromada/modules/registries"
)

// kyiv is the city's code in the codifier; shevchenkivskyi one of its
// districts.
const (
	kyiv            = "UA80000000000093317"
	shevchenkivskyi = "UA80000000001078669"
)

func (b *testBundle) poll(t *testing.T, f participation.PollForm) uuid.UUID {
	t.Helper()
	if f.Title == "" {
		f.Title = "Назва для нового скверу"
	}
	if f.Question == "" {
		f.Question = "Як назвати сквер на Лукʼянівці?"
	}
	if f.Options == "" {
		f.Options = "Сквер Героїв\nСквер Каштановий\n"
	}
	if f.MinAge == "" {
		f.MinAge = "18"
	}
	f.ClosesOn = time.Now().AddDate(0, 0, 14).Format("2006-01-02")
	id, err := b.svc.CreatePoll(b.as("dispatcher"), access.RoleDispatcher, f)
	require.NoError(t, err)
	require.NoError(t, b.svc.PublishPoll(b.as("dispatcher"), access.RoleDispatcher, id))
	return id
}

func TestPolls(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.NoError(t, b.svc.SetSettings(b.ctx, participation.SettingsForm{PetitionDays: "60", Threshold: "6000", ConsiderationDays: "10", City: kyiv}))
	one := func(n int) participation.Ballot { return participation.Ballot{Choices: []int{n}} }
	officer := b.as("official-dcnap")

	t.Run("AreasAreTheCityAndItsDistricts", func(t *testing.T) {
		t.Parallel()
		as, err := b.svc.Areas(b.ctx)
		require.NoError(t, err)
		require.Len(t, as, 11)
		require.Equal(t, participation.Area{Code: kyiv, Name: "Київ"}, as[0])
		require.Contains(t, as, participation.Area{Code: shevchenkivskyi, Name: "Шевченківський", District: true})
	})

	t.Run("FormNamesItsFields", func(t *testing.T) {
		t.Parallel()
		_, err := b.svc.CreatePoll(b.as("dispatcher"), access.RoleDispatcher, participation.PollForm{Options: "лише один", Area: "UA46060250010015970", MinAge: "двадцять", ClosesOn: "2020-01-01"})
		errs, ok := err.(participation.FieldErrors)
		require.True(t, ok, "%v", err)
		for _, f := range []string{"title", "question", "options", "area", "min_age", "closes_on"} {
			require.Contains(t, errs, f)
		}
	})

	t.Run("OnlineAndPaperShareOneKey", func(t *testing.T) {
		t.Parallel()
		id := b.poll(t, participation.PollForm{Area: kyiv, FreeAnswer: true})
		require.NoError(t, b.svc.Vote(b.as("resident"), id, participation.Ballot{Choices: []int{1}, Free: "Або Сквер Лукʼянівський"}))
		require.ErrorIs(t, b.svc.Vote(b.as("resident"), id, one(2)), participation.ErrAlreadyVoted)
		// The resident voted online: her paper ballot is refused.
		require.ErrorIs(t, b.svc.PaperVote(officer, id, b.accounts["resident"].RNOKPP, one(2)), participation.ErrAlreadyVoted)
		// The reverse: a paper ballot first, then the person online.
		require.NoError(t, b.svc.PaperVote(officer, id, b.accounts["legal_rep"].RNOKPP, one(2)))
		require.ErrorIs(t, b.svc.Vote(b.as("legal_rep"), id, one(1)), participation.ErrAlreadyVoted)
		mine, err := b.svc.MyBallot(b.as("legal_rep"), id)
		require.NoError(t, err)
		require.Equal(t, participation.Paper, mine.Channel)

		_, err = b.svc.Results(b.ctx, id)
		require.ErrorIs(t, err, participation.ErrNotFound, "results are hidden until the poll closes")
		require.NoError(t, b.svc.ClosePoll(b.as("dispatcher"), access.RoleDispatcher, id))
		require.ErrorIs(t, b.svc.Vote(b.as("provider_head"), id, one(1)), participation.ErrPollNotOpen)
		res, err := b.svc.Results(b.ctx, id)
		require.NoError(t, err)
		require.Equal(t, 2, res.Ballots)
		require.Equal(t, 1, res.Online)
		require.Equal(t, 1, res.Paper)
		require.Equal(t, []int{1, 1}, []int{res.Options[0].Votes, res.Options[1].Votes})
		require.Equal(t, []string{"Або Сквер Лукʼянівський"}, res.Free)
	})

	t.Run("TheRegisterDecides", func(t *testing.T) {
		t.Parallel()
		id := b.poll(t, participation.PollForm{Area: kyiv})
		// The auditor is registered in Lviv.
		err := b.svc.Vote(b.as("auditor"), id, one(1))
		require.ErrorIs(t, err, participation.ErrNotEligible)
		require.Equal(t, "Київ", apperr.As(err).Args["Area"])
		// Her son Іван (born 2019) is too young, whoever records him.
		require.ErrorIs(t, b.svc.PaperVote(officer, id, "4350612318", one(1)), participation.ErrTooYoung)
		errs, ok := b.svc.PaperVote(officer, id, "1234567890", one(1)).(participation.FieldErrors)
		require.True(t, ok)
		require.Contains(t, errs, "rnokpp")

		// A district poll: the register places Олена in Шевченківський
		// (its "district"), Ірина in Голосіївський.
		district := b.poll(t, participation.PollForm{Area: shevchenkivskyi})
		require.NoError(t, b.svc.Vote(b.as("resident"), district, one(1)))
		err = b.svc.Vote(b.as("provider_head"), district, one(1))
		require.ErrorIs(t, err, participation.ErrNotEligible)
		require.Equal(t, "Шевченківський", apperr.As(err).Args["Area"])
		mine, err := b.svc.MyBallot(b.as("provider_head"), district)
		require.NoError(t, err)
		require.Nil(t, mine, "nothing was cast")
	})

	t.Run("AProvidersPolls", func(t *testing.T) {
		t.Parallel()
		var provider uuid.UUID
		require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO providers (tenant_id, id, code, name_uk) VALUES (app_tenant_id(), gen_random_uuid(), 'parks', 'КП «Парки»') RETURNING id`).Scan(&provider)
		}))
		id, err := b.svc.CreatePoll(b.as("provider_head"), access.RoleProviderHead, participation.PollForm{Provider: provider.String(), Title: "Графік роботи парку",
			Question: "Коли відчиняти?", Options: "О 6:00\nО 8:00", Area: kyiv, MinAge: "14", ClosesOn: time.Now().AddDate(0, 0, 3).Format("2006-01-02")})
		require.NoError(t, err)
		theirs, err := b.svc.Polls(b.ctx, true, &provider)
		require.NoError(t, err)
		require.Len(t, theirs, 1)
		require.Equal(t, id, theirs[0].ID)
		require.Equal(t, provider, *theirs[0].Provider)
		none, err := b.svc.Polls(b.ctx, true, &uuid.Nil)
		require.NoError(t, err)
		require.Empty(t, none)
	})

	t.Run("DistrictResidentsVote", func(t *testing.T) {
		t.Parallel()
		// A register that answers the district as the settlement's code
		// (no "district" key): a resident of Шевченківський votes in its
		// poll and in the city's, not in another district's.
		district := participation.New(participation.Options{DB: b.db.App,
			Register: func(context.Context, string, string) (registries.ResidenceRecord, error) {
				return registries.ResidenceRecord{Registered: true, KATOTTG: shevchenkivskyi, Household: []registries.Member{}}, nil
			}})
		for area, want := range map[string]error{shevchenkivskyi: nil, kyiv: nil, "UA80000000000126643": participation.ErrNotEligible} {
			id := b.poll(t, participation.PollForm{Area: area})
			err := district.Vote(b.as("provider_head"), id, one(1))
			if want == nil {
				require.NoError(t, err, area)
			} else {
				require.ErrorIs(t, err, want, area)
			}
		}
	})

	t.Run("RegisterDownIsNotARefusal", func(t *testing.T) {
		t.Parallel()
		id := b.poll(t, participation.PollForm{Area: kyiv})
		b.sim.FailNext(2, http.StatusServiceUnavailable)
		err := b.svc.Vote(b.as("owner"), id, one(1))
		require.ErrorIs(t, err, participation.ErrRegister)
		mine, err := b.svc.MyBallot(b.as("owner"), id)
		require.NoError(t, err)
		require.Nil(t, mine, "nothing was cast")
	})

	t.Run("ChangeableUntilClose", func(t *testing.T) {
		t.Parallel()
		id := b.poll(t, participation.PollForm{Area: kyiv, Changeable: true, LiveResults: true, Multiple: true, Options: "Лавки\nЛіхтарі\nДитячий майданчик"})
		require.NoError(t, b.svc.Vote(b.as("administrator"), id, participation.Ballot{Choices: []int{1, 3}}))
		res, err := b.svc.Results(b.ctx, id)
		require.NoError(t, err, "live results")
		require.Equal(t, []int{1, 0, 1}, []int{res.Options[0].Votes, res.Options[1].Votes, res.Options[2].Votes})
		require.NoError(t, b.svc.Vote(b.as("administrator"), id, participation.Ballot{Choices: []int{2}}))
		res, err = b.svc.Results(b.ctx, id)
		require.NoError(t, err)
		require.Equal(t, 1, res.Ballots)
		require.Equal(t, []int{0, 1, 0}, []int{res.Options[0].Votes, res.Options[1].Votes, res.Options[2].Votes})
		// A paper ballot for someone who voted online is still refused.
		require.ErrorIs(t, b.svc.PaperVote(officer, id, b.accounts["administrator"].RNOKPP, one(1)), participation.ErrAlreadyVoted)

		ind, err := b.svc.Indicators(b.ctx)
		require.NoError(t, err)
		var found bool
		for _, i := range ind {
			if i.ID == id.String() {
				found = true
				require.Equal(t, participation.Indicator{Kind: "poll", ID: id.String(), Title: "Назва для нового скверу", Status: "published",
					District: "UA80000000000551439", DistrictName: "Оболонський", People: 1}, i)
			}
		}
		require.True(t, found)
	})
}
