package participation_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/apperr"
	"hromada/modules/identity"
	"hromada/modules/participation"
	"hromada/tenant"
)

func TestPetitionLife(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.NoError(t, b.svc.SetSettings(b.ctx, participation.SettingsForm{PetitionDays: "60", Threshold: "3", ConsiderationDays: "10"}))

	t.Run("DraftNamesItsFields", func(t *testing.T) {
		t.Parallel()
		_, err := b.svc.Draft(b.as("resident"), participation.PetitionForm{Title: "  ", Body: ""})
		errs, ok := err.(participation.FieldErrors)
		require.True(t, ok, "%v", err)
		require.Equal(t, "error.petition_title", errs["title"].Key)
		require.Equal(t, "error.petition_body", errs["body"].Key)
		require.Equal(t, "error.petition_competence", errs["competence"].Key)
	})

	t.Run("DoubleSubmitIsOnePetition", func(t *testing.T) {
		t.Parallel()
		f := participation.PetitionForm{Token: uuid.NewString(), Title: "Сквер", Body: "Текст", Competence: true}
		a, err := b.svc.Draft(b.as("resident"), f)
		require.NoError(t, err)
		again, err := b.svc.Draft(b.as("resident"), f)
		require.NoError(t, err)
		require.Equal(t, a, again)
		_, err = b.svc.Draft(b.as("legal_rep"), f)
		require.ErrorIs(t, err, participation.ErrNotFound, "another person's token")
	})

	t.Run("UnpublishedIsTheAuthorsOnly", func(t *testing.T) {
		t.Parallel()
		id, err := b.svc.Draft(b.as("resident"), participation.PetitionForm{Title: "Лавки", Body: "Текст", Competence: true})
		require.NoError(t, err)
		_, err = b.svc.Petition(b.as("resident"), id)
		require.NoError(t, err)
		_, err = b.svc.Petition(b.ctx, id)
		require.ErrorIs(t, err, participation.ErrNotFound)
		require.ErrorIs(t, b.svc.Sign(b.as("owner"), id), participation.ErrNotCollecting)
	})

	t.Run("RefusalNeedsAReason", func(t *testing.T) {
		t.Parallel()
		id, err := b.svc.Draft(b.as("resident"), participation.PetitionForm{Title: "Не до ради", Body: "Текст", Competence: true})
		require.NoError(t, err)
		errs, ok := b.svc.Refuse(b.as("dispatcher"), id, " ").(participation.FieldErrors)
		require.True(t, ok)
		require.Equal(t, "error.petition_reason", errs["reason"].Key)
		require.NoError(t, b.svc.Refuse(b.as("dispatcher"), id, "Питання не належить до повноважень міської ради"))
		require.NoError(t, b.svc.Refuse(b.as("dispatcher"), id, "вдруге"), "a double submit")
		p, err := b.svc.Petition(b.as("resident"), id)
		require.NoError(t, err)
		require.Equal(t, participation.StatusRefused, p.Status)
		mine, err := b.svc.Mine(b.as("resident"))
		require.NoError(t, err)
		require.Contains(t, titles(mine), "Не до ради", "the author finds it among their own")
		mine, err = b.svc.Mine(b.as("legal_rep"))
		require.NoError(t, err)
		require.NotContains(t, titles(mine), "Не до ради")
		require.Equal(t, "Питання не належить до повноважень міської ради", p.RefusalReason)
		require.ErrorIs(t, b.svc.Publish(b.as("dispatcher"), id), participation.ErrNotModeration)
	})

	t.Run("ThresholdAnswerNotices", func(t *testing.T) {
		t.Parallel()
		id := b.published(t)
		p, err := b.svc.Petition(b.ctx, id)
		require.NoError(t, err)
		require.Equal(t, 3, p.Threshold)
		require.WithinDuration(t, p.PublishedAt.AddDate(0, 0, 60), *p.ClosesAt, time.Second)
		require.ErrorIs(t, b.svc.Answer(b.as("owner"), id, "Рано"), participation.ErrNotReached)

		for _, who := range []string{"resident", "legal_rep"} {
			require.NoError(t, b.svc.Sign(b.as(who), id))
		}
		require.ErrorIs(t, b.svc.Sign(b.as("resident"), id), participation.ErrAlreadySigned)
		require.NoError(t, b.svc.Sign(b.as("provider_head"), id))
		require.NoError(t, b.svc.Sign(b.as("auditor"), id), "signing goes on past the threshold")

		p, err = b.svc.Petition(b.ctx, id)
		require.NoError(t, err)
		require.Equal(t, 4, p.Signatures)
		require.NotNil(t, p.ReachedAt)
		require.Equal(t, "considering", p.Shown(time.Now()))
		// 10 working days (the test city has no days off): the weekdays
		// after the day it was reached, in the city, up to consider_by.
		working := 0
		day := p.ReachedAt.In(tenant.Zone)
		day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
		for d := day.AddDate(0, 0, 1); !d.After(*p.ConsiderBy); d = d.AddDate(0, 0, 1) {
			if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
				working++
			}
		}
		require.Equal(t, 10, working)
		require.NotEqual(t, time.Saturday, p.ConsiderBy.Weekday())
		require.NotEqual(t, time.Sunday, p.ConsiderBy.Weekday())

		names, _, err := b.svc.Signers(b.ctx, id, 0)
		require.NoError(t, err)
		require.Len(t, names, 4)
		require.Equal(t, "Олена Петрівна Шевченко", names[0].FullName)

		require.NoError(t, b.svc.Answer(b.as("owner"), id, "Велодоріжку включено до програми на 2027 рік."))
		require.NoError(t, b.svc.Answer(b.as("owner"), id, "вдруге"), "a double submit")
		p, err = b.svc.Petition(b.ctx, id)
		require.NoError(t, err)
		require.Equal(t, participation.StatusAnswered, p.Status)
		require.Equal(t, "Велодоріжку включено до програми на 2027 рік.", p.Answer)
		require.ErrorIs(t, b.svc.Sign(b.as("official-dcnap"), id), participation.ErrNotCollecting)
	})
	// The subtests above ran in parallel on one city; their notices are
	// counted once they are done.
	t.Cleanup(func() {
		require.Equal(t, 1, b.notices(t, "notice.petition_reached"), "the council is told once")
		require.Equal(t, 4, b.notices(t, "notice.petition_answered"), "every signer is told")
	})
}

// TestSignaturesUnderLoad signs a petition whose threshold is 6,000 from
// 6,000 people at once, a tenth of them twice: exactly 6,000 signatures,
// each person once, the count in the row equal to the rows, no request
// failing for any other reason than the person having signed, and the
// council told once.
func TestSignaturesUnderLoad(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const people = 6000
	id := b.published(t) // the default threshold: Kyiv's 6,000
	signers := make([]*identity.Signed, people)
	require.NoError(t, b.db.App.Tx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `INSERT INTO accounts (tenant_id, id, rnokpp, full_name)
			SELECT app_tenant_id(), gen_random_uuid(), (5000000000 + i)::text, 'Мешканець ' || i FROM generate_series(1, $1) AS i
			RETURNING id, rnokpp, full_name`, people)
		if err != nil {
			return err
		}
		i := 0
		for rows.Next() {
			var s identity.Signed
			if err := rows.Scan(&s.AccountID, &s.RNOKPP, &s.FullName); err != nil {
				return err
			}
			signers[i] = &s
			i++
		}
		return rows.Err()
	}))

	var ok, twice atomic.Int64
	var mu sync.Mutex
	var failures []error
	var wg sync.WaitGroup
	sign := func(s *identity.Signed) {
		defer wg.Done()
		err := b.svc.Sign(identity.WithSigned(b.ctx, s), id)
		switch {
		case err == nil:
			ok.Add(1)
		case apperr.As(err) == participation.ErrAlreadySigned:
			twice.Add(1)
		default:
			mu.Lock()
			failures = append(failures, err)
			mu.Unlock()
		}
	}
	start := time.Now()
	for i, s := range signers {
		wg.Add(1)
		go sign(s)
		if i%10 == 0 {
			wg.Add(1)
			go sign(s)
		}
	}
	wg.Wait()
	t.Logf("%d signatures and %d repeated attempts in %s", ok.Load(), twice.Load(), time.Since(start).Round(time.Millisecond))
	require.Empty(t, failures, fmt.Sprint(failures))
	require.EqualValues(t, people, ok.Load())
	require.EqualValues(t, people/10, twice.Load())

	p, err := b.svc.Petition(b.ctx, id)
	require.NoError(t, err)
	require.Equal(t, people, p.Signatures)
	require.NotNil(t, p.ReachedAt)
	var rows, distinct int
	require.NoError(t, b.db.App.ReadTx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*), count(DISTINCT rnokpp) FROM petition_signatures WHERE petition_id = $1`, id).Scan(&rows, &distinct)
	}))
	require.Equal(t, people, rows)
	require.Equal(t, people, distinct)
	require.Equal(t, 1, b.notices(t, "notice.petition_reached"))

	require.NoError(t, b.svc.Answer(b.as("owner"), id, "Розглянуто на сесії міської ради."))
	require.Equal(t, people, b.notices(t, "notice.petition_answered"))
}

func titles(ps []*participation.Petition) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Title
	}
	return out
}

// TestPetitionsByDistrict: each signature counts where the residents'
// register places the signer: their district, outside the city, or
// unknown when the register does not answer — and then the signature is
// still taken.
func TestPetitionsByDistrict(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.NoError(t, b.svc.SetSettings(b.ctx, participation.SettingsForm{PetitionDays: "60", Threshold: "10", ConsiderationDays: "10", City: kyiv}))
	id := b.published(t)
	for _, who := range []string{"resident", "legal_rep", "provider_head", "auditor"} {
		require.NoError(t, b.svc.Sign(b.as(who), id), who)
	}
	b.sim.FailNext(2, http.StatusServiceUnavailable) // both attempts of the next query
	require.NoError(t, b.svc.Sign(b.as("owner"), id), "a register that does not answer refuses nothing")
	require.ErrorIs(t, b.svc.Sign(b.as("owner"), id), participation.ErrAlreadySigned)

	want := []participation.DistrictCount{
		{Place: participation.PlaceDistrict, Code: "UA80000000000126643", Name: "Голосіївський", People: 1},
		{Place: participation.PlaceDistrict, Code: shevchenkivskyi, Name: "Шевченківський", People: 2},
		{Place: participation.PlaceOutside, People: 1}, // the auditor lives in Lviv
		{Place: participation.PlaceUnknown, People: 1},
	}
	staff, err := b.svc.StaffPetition(b.ctx, id)
	require.NoError(t, err)
	require.Equal(t, 5, staff.Signatures)
	require.Equal(t, want, staff.Districts, "staff read the counts as they are")
	p, err := b.svc.Petition(b.ctx, id)
	require.NoError(t, err)
	require.Empty(t, p.Districts, "the public, not while it collects")
	// Its period over: the public reads them, the districts of fewer than
	// 5 signers (here all, and the one outside) merged.
	later := participation.New(participation.Options{DB: b.db.App, Now: func() time.Time { return time.Now().AddDate(0, 0, 61) }})
	p, err = later.Petition(b.ctx, id)
	require.NoError(t, err)
	require.Equal(t, []participation.DistrictCount{{Place: participation.PlaceFew, People: 4}, {Place: participation.PlaceUnknown, People: 1}}, p.Districts)
	// A district of 5 or more is its own line.
	p.Districts = []participation.DistrictCount{
		{Place: participation.PlaceDistrict, Code: shevchenkivskyi, Name: "Шевченківський", People: 5},
		{Place: participation.PlaceDistrict, Code: kyiv, Name: "Київ", People: 4},
		{Place: participation.PlaceOutside, People: 1},
		{Place: participation.PlaceUnknown, People: 2},
	}
	require.Equal(t, []participation.DistrictCount{p.Districts[0], {Place: participation.PlaceFew, People: 5}, p.Districts[3]},
		p.PublicDistricts(time.Now().AddDate(0, 0, 61)))

	var place string
	require.NoError(t, b.db.App.ReadTx(b.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT katottg FROM petition_signatures WHERE petition_id = $1 AND rnokpp = $2`, id, b.accounts["owner"].RNOKPP).Scan(&place)
	}))
	require.Empty(t, place, "unknown")

	ind, err := b.svc.Indicators(b.ctx)
	require.NoError(t, err)
	var lines []participation.Indicator
	for _, i := range ind {
		if i.ID == id.String() {
			lines = append(lines, participation.Indicator{District: i.District, DistrictName: i.DistrictName, People: i.People})
		}
	}
	require.Equal(t, []participation.Indicator{{People: 5}}, lines, "open data: while it collects, the whole count")
	ind, err = later.Indicators(b.ctx)
	require.NoError(t, err)
	lines = nil
	for _, i := range ind {
		if i.ID == id.String() {
			lines = append(lines, participation.Indicator{District: i.District, DistrictName: i.DistrictName, People: i.People})
		}
	}
	require.Equal(t, []participation.Indicator{{DistrictName: "інші райони (менше 5 у кожному)", People: 4}, {DistrictName: "невідомо", People: 1}},
		lines, "then as the public page: counts only")
}
