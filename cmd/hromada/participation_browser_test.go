package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/identity"
	"hromada/modules/participation"
	"hromada/tenant"
	"hromada/web/browsertest"
)

// TestParticipationInBrowser is issue 20's done-when, in Chromium at 390
// px with axe-core on every page: a resident drafts a petition, the
// dispatcher publishes it, demo personas sign it, a generated load of
// signers crosses Kyiv's threshold of 6,000 with an exact count, the
// council answers and the signers are told; the dispatcher sets the city's
// code and publishes a district poll (Шевченківський), a resident the
// register places there votes, one of another district (Голосіївський) is
// refused by the register check, a poll officer records a paper ballot and
// that person cannot vote online, and the other way round.
func TestParticipationInBrowser(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testAppOpts{baseDomain: "localhost"})
	ts, err := ta.loadDemo(t.Context())
	require.NoError(t, err)
	var kyiv *tenant.Tenant
	for _, tn := range ts {
		if tn.Slug == "kyiv" {
			kyiv = tn
		}
	}
	require.NotNil(t, kyiv)
	ctx := tenant.With(t.Context(), kyiv)
	u := func(path string) string { return ta.url("kyiv.localhost", path) }
	phone := &browsertest.Viewport{Width: 390, Height: 844}
	as := func(persona, ret string, steps ...browsertest.Step) []browsertest.Step {
		return append([]browsertest.Step{
			{Op: "goto", URL: u("/auth/login?return=" + ret)},
			{Op: "click", Selector: "button[value=" + persona + "]"},
		}, steps...)
	}
	shot := func(name string) []browsertest.Step {
		return []browsertest.Step{{Op: "screenshot", Name: name, FullPage: true}, {Op: "axe"}}
	}
	run := func(scenarios ...browsertest.Scenario) []browsertest.Result {
		t.Helper()
		results := browsertest.Run(t, scenarios)
		browsertest.RequireOK(t, results)
		browsertest.RequireNoViolations(t, results)
		return results
	}
	text := func(r browsertest.Result, op string, n int) string {
		t.Helper()
		for _, s := range r.Steps {
			if s.Op == op {
				if n == 0 {
					return s.Text
				}
				n--
			}
		}
		t.Fatalf("%s: no %s step", r.Name, op)
		return ""
	}
	query := func(q string, args ...any) (v string) {
		t.Helper()
		require.NoError(t, ta.db.App.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, q, args...).Scan(&v)
		}))
		return v
	}

	// A resident drafts a petition: first with nothing typed, then right.
	r := run(browsertest.Scenario{Name: "ResidentDrafts", Viewport: phone, Steps: append(as("resident", "/petitions/new"),
		append(shot("hromada-petition-new-phone"),
			browsertest.Step{Op: "fill", Selector: "#f-title", Value: "Облаштувати велодоріжку на вулиці Січових Стрільців"},
			browsertest.Step{Op: "click", Selector: "form[action='/petitions'] button[type=submit]"},
			browsertest.Step{Op: "text", Selector: ".error-summary"},
			browsertest.Step{Op: "attr", Selector: "#f-title", Name: "value"},
			browsertest.Step{Op: "axe"},
			browsertest.Step{Op: "fill", Selector: "#f-body", Value: "Просимо облаштувати безпечну велодоріжку від Львівської площі до вулиці Артема."},
			browsertest.Step{Op: "check", Selector: "#f-competence"},
			browsertest.Step{Op: "click", Selector: "form[action='/petitions'] button[type=submit]"},
			browsertest.Step{Op: "text", Selector: ".flash"},
			browsertest.Step{Op: "screenshot", Name: "hromada-petition-drafted-phone", FullPage: true},
			browsertest.Step{Op: "axe"},
			browsertest.Step{Op: "goto", URL: u("/petitions")},
			browsertest.Step{Op: "text", Selector: "section[aria-labelledby=mine-title]"},
			browsertest.Step{Op: "axe"},
		)...)})
	require.Contains(t, text(r[0], "text", 0), "Поле «Текст петиції» обовʼязкове")
	require.Contains(t, text(r[0], "text", 0), "повноважень міської ради")
	require.Equal(t, "Облаштувати велодоріжку на вулиці Січових Стрільців", text(r[0], "attr", 0), "what was typed is kept")
	require.Contains(t, text(r[0], "text", 1), "надіслано на перевірку")
	require.Contains(t, text(r[0], "text", 2), "Облаштувати велодоріжку на вулиці Січових Стрільців · На перевірці", "the author's own, before publication")
	id := query(`SELECT id::text FROM petitions WHERE title LIKE 'Облаштувати велодоріжку%'`)
	petition := "/petitions/" + id

	// The dispatcher publishes it; three demo personas sign it.
	sign := func(persona string, steps ...browsertest.Step) browsertest.Scenario {
		return browsertest.Scenario{Name: "Sign-" + persona, Viewport: phone, Steps: append(as(persona, petition,
			browsertest.Step{Op: "click", Selector: "form[action='" + petition + "/sign'] button"},
			browsertest.Step{Op: "text", Selector: ".flash"}), steps...)}
	}
	r = run(
		browsertest.Scenario{Name: "DispatcherPublishes", Viewport: phone, Steps: append(as("dispatcher", "/admin/petitions"),
			append(shot("hromada-admin-petitions-phone"),
				browsertest.Step{Op: "goto", URL: u("/admin" + petition)},
				browsertest.Step{Op: "screenshot", Name: "hromada-admin-petition-moderation-phone", FullPage: true},
				browsertest.Step{Op: "axe"},
				browsertest.Step{Op: "click", Selector: "form[action='/admin" + petition + "/publish'] button"},
				browsertest.Step{Op: "text", Selector: ".flash"},
			)...)},
		sign("resident", append([]browsertest.Step{{Op: "text", Selector: ".facts"}}, shot("hromada-petition-signed-phone")...)...),
		sign("legal_rep"),
		sign("provider_head"),
		browsertest.Scenario{Name: "Anonymous", Viewport: phone, Steps: append([]browsertest.Step{{Op: "goto", URL: u("/petitions")}},
			append(shot("hromada-petitions-phone"), browsertest.Step{Op: "goto", URL: u(petition)}, browsertest.Step{Op: "text", Selector: "main"})...)},
	)
	require.Contains(t, text(r[0], "text", 0), "оприлюднено")
	require.Contains(t, text(r[1], "text", 1), "1 з 6000", "the count on the page: hers, the first")
	for _, sr := range r[1:4] {
		require.Contains(t, text(sr, "text", 0), "ваш підпис враховано", sr.Name)
	}
	require.Equal(t, "3", query(`SELECT signatures::text FROM petitions WHERE id = $1`, id))
	require.Contains(t, text(r[4], "text", 0), "Увійти, щоб підписати")

	// A generated load: 5,997 more people sign at once, a tenth of them
	// twice; the count crosses 6,000 exactly.
	pid := uuid.MustParse(id)
	const more = 6000 - 3
	var signers []*identity.Signed
	require.NoError(t, ta.db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `INSERT INTO accounts (tenant_id, id, rnokpp, full_name)
			SELECT app_tenant_id(), gen_random_uuid(), (5000000000 + i)::text, 'Мешканець ' || i FROM generate_series(1, $1) AS i
			RETURNING id, rnokpp, full_name`, more)
		if err != nil {
			return err
		}
		signers, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*identity.Signed, error) {
			var s identity.Signed
			return &s, r.Scan(&s.AccountID, &s.RNOKPP, &s.FullName)
		})
		return err
	}))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []error
	repeats := 0
	start := time.Now()
	for i, s := range signers {
		n := 1
		if i%10 == 0 {
			n, repeats = 2, repeats+1
		}
		for range n {
			wg.Go(func() {
				err := ta.particip.Sign(identity.WithSigned(ctx, s), pid)
				if err != nil && !errors.Is(err, participation.ErrAlreadySigned) {
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	t.Logf("%d signers (%d of them twice) in %s", more, repeats, time.Since(start).Round(time.Millisecond))
	require.Empty(t, failures)
	require.Equal(t, "6000", query(`SELECT signatures::text FROM petitions WHERE id = $1`, pid))
	require.Equal(t, "6000 6000", query(`SELECT count(*) || ' ' || count(DISTINCT rnokpp) FROM petition_signatures WHERE petition_id = $1`, pid))
	require.Equal(t, query(`SELECT count(*)::text FROM access_grants WHERE role = 'owner' AND status = 'active'`),
		query(`SELECT count(*)::text FROM notifications WHERE key = 'notice.petition_reached'`), "each council member is told once")
	require.NotEmpty(t, query(`SELECT coalesce(consider_by::text, '') FROM petitions WHERE id = $1`, pid))

	// The council answers; the signers are told.
	r = run(
		browsertest.Scenario{Name: "CouncilAnswers", Viewport: phone, Steps: append(as("owner", "/admin"+petition),
			browsertest.Step{Op: "text", Selector: ".facts"},
			browsertest.Step{Op: "click", Selector: "form[action='/admin" + petition + "/answer'] button"},
			browsertest.Step{Op: "text", Selector: ".error-summary, .field.invalid"},
			browsertest.Step{Op: "axe"},
			browsertest.Step{Op: "fill", Selector: "#f-answer", Value: "Велодоріжку включено до програми розвитку велоінфраструктури на 2027 рік."},
			browsertest.Step{Op: "click", Selector: "form[action='/admin" + petition + "/answer'] button"},
			browsertest.Step{Op: "text", Selector: ".flash"},
			browsertest.Step{Op: "screenshot", Name: "hromada-admin-petition-answered-phone", FullPage: true},
			browsertest.Step{Op: "axe"},
			browsertest.Step{Op: "text", Selector: "section[aria-labelledby=districts-title]"},
		)},
		browsertest.Scenario{Name: "SignerTold", Viewport: phone, Steps: append(as("legal_rep", "/cabinet/notifications"),
			browsertest.Step{Op: "text", Selector: "main"},
			browsertest.Step{Op: "goto", URL: u(petition)},
			browsertest.Step{Op: "text", Selector: "main"},
			browsertest.Step{Op: "screenshot", Name: "hromada-petition-answered-phone", FullPage: true},
			browsertest.Step{Op: "axe"},
			browsertest.Step{Op: "goto", URL: u(petition + "/signers")},
			browsertest.Step{Op: "text", Selector: "main"},
			browsertest.Step{Op: "screenshot", Name: "hromada-petition-signers-phone", FullPage: true},
			browsertest.Step{Op: "axe"},
		)},
	)
	require.Contains(t, text(r[0], "text", 0), "6000 з 6000")
	require.Contains(t, text(r[0], "text", 1), "обовʼязкове")
	require.Contains(t, text(r[0], "text", 2), "підписантів повідомлено")
	require.Contains(t, text(r[1], "text", 0), "Міська рада відповіла на петицію «Облаштувати велодоріжку")
	require.Contains(t, text(r[1], "text", 1), "Велодоріжку включено до програми")
	// Signatures by district: the register placed Олена and Андрій in
	// Шевченківський, Ірина in Голосіївський; it does not know the
	// generated signers, whose place is unknown. The council reads the
	// counts as they are; the public, once the collection is over, with
	// the districts of fewer than 5 signers together (the names are public).
	require.Contains(t, text(r[0], "text", 3), "Голосіївський\t1")
	require.Contains(t, text(r[0], "text", 3), "Шевченківський\t2")
	require.Contains(t, text(r[0], "text", 3), "Невідомо\t5997")
	require.Contains(t, text(r[1], "text", 1), "Підписи за районами")
	require.Contains(t, text(r[1], "text", 1), "Інші райони (менше 5 у кожному)\t3")
	require.Contains(t, text(r[1], "text", 1), "Невідомо\t5997")
	require.NotContains(t, text(r[1], "text", 1), "Голосіївський")
	require.Contains(t, text(r[1], "text", 2), "Олена Петрівна Шевченко")
	require.NotContains(t, text(r[1], "text", 2), appsPersona(t, "resident").RNOKPP, "names only")
	require.Equal(t, "6000", query(`SELECT count(*)::text FROM notifications WHERE key = 'notice.petition_answered'`))

	// The dispatcher sets the city's code and publishes a poll for the
	// residents of Шевченківський district of 18 and over.
	closes := time.Now().In(tenant.Zone).AddDate(0, 0, 7).Format("2006-01-02")
	r = run(browsertest.Scenario{Name: "DispatcherPoll", Viewport: phone, Steps: append(as("dispatcher", "/admin/participation"),
		browsertest.Step{Op: "fill", Selector: "#f-city", Value: "UA80000000000093317"},
		browsertest.Step{Op: "click", Selector: "form[action='/admin/participation'] button"},
		browsertest.Step{Op: "text", Selector: ".flash"},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "goto", URL: u("/admin/polls/new")},
		browsertest.Step{Op: "fill", Selector: "#f-title", Value: "Назва скверу на Лукʼянівці"},
		browsertest.Step{Op: "fill", Selector: "#f-question", Value: "Як назвати новий сквер?"},
		browsertest.Step{Op: "fill", Selector: "#f-options", Value: "Сквер Каштановий\nСквер Лукʼянівський\nСквер Героїв"},
		browsertest.Step{Op: "select", Selector: "#f-area", Value: "UA80000000001078669"},
		browsertest.Step{Op: "fill", Selector: "#f-closes_on", Value: closes},
		browsertest.Step{Op: "check", Selector: "input[name=free_answer]"},
		browsertest.Step{Op: "screenshot", Name: "hromada-admin-poll-new-phone", FullPage: true},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "click", Selector: "form[action='/admin/polls'] button[type=submit]"},
		browsertest.Step{Op: "text", Selector: ".flash"},
		browsertest.Step{Op: "click", Selector: "form[action$='/publish'] button"},
		browsertest.Step{Op: "text", Selector: ".flash"},
		browsertest.Step{Op: "screenshot", Name: "hromada-admin-polls-phone", FullPage: true},
		browsertest.Step{Op: "axe"},
	)})
	require.Contains(t, text(r[0], "text", 0), "Збережено")
	require.Contains(t, text(r[0], "text", 1), "Чернетку опитування збережено")
	require.Contains(t, text(r[0], "text", 2), "голосування почалося")
	poll := "/polls/" + query(`SELECT id::text FROM polls WHERE title = 'Назва скверу на Лукʼянівці'`)
	dcnap := query(`SELECT id::text FROM providers WHERE code = 'dcnap'`)
	vote := func(name, persona string, steps ...browsertest.Step) browsertest.Scenario {
		return browsertest.Scenario{Name: name, Viewport: phone, Steps: append(as(persona, poll,
			browsertest.Step{Op: "check", Selector: "input[name=choice][value='2']"},
			browsertest.Step{Op: "click", Selector: "form[action='" + poll + "/vote'] button"},
			browsertest.Step{Op: "text", Selector: ".flash, .error-summary"}), steps...)}
	}
	desk := func(name, rnokpp string) browsertest.Scenario {
		return browsertest.Scenario{Name: name, Viewport: phone, Steps: append(as("official-dcnap", "/work/paper-votes?provider="+dcnap),
			browsertest.Step{Op: "fill", Selector: "input[name=rnokpp]", Value: rnokpp},
			browsertest.Step{Op: "check", Selector: "input[name=choice][value='1']"},
			browsertest.Step{Op: "click", Selector: "form[action='/work/paper-votes'] button[type=submit]"},
			browsertest.Step{Op: "text", Selector: ".flash, .error-summary"},
			browsertest.Step{Op: "screenshot", Name: "hromada-" + strings.ToLower(name) + "-phone", FullPage: true},
			browsertest.Step{Op: "axe"})}
	}
	r = run(
		vote("EligibleVotes", "resident", shot("hromada-poll-voted-phone")...),
		vote("IneligibleRefused", "provider_head", shot("hromada-poll-refused-phone")...),
		desk("PaperBallot", appsPersona(t, "legal_rep").RNOKPP),
		browsertest.Scenario{Name: "PaperVoterOnline", Viewport: phone, Steps: as("legal_rep", poll,
			browsertest.Step{Op: "text", Selector: "main"},
			browsertest.Step{Op: "attr", Selector: "form[action='" + poll + "/vote']", Name: "action", TimeoutMs: 2000, Optional: true})},
		desk("PaperAfterOnline", appsPersona(t, "resident").RNOKPP),
	)
	require.Contains(t, text(r[0], "text", 0), "ваш голос враховано")
	require.Contains(t, text(r[1], "text", 0), "не зареєстрована в межах опитування (Шевченківський)")
	require.Contains(t, text(r[2], "text", 0), "Паперовий бюлетень зараховано")
	require.Contains(t, text(r[3], "text", 0), "паперовий бланк у ЦНАП")
	require.False(t, r[3].Steps[len(r[3].Steps)-1].OK, "no vote form for a person who voted on paper")
	require.Contains(t, text(r[4], "text", 0), "вже проголосувала")
	// Online after paper, over HTTP as the form would post it: refused.
	c := ta.client(t)
	signIn(t, ta, c, "kyiv.localhost", "legal_rep")
	resp := do(t, c, http.MethodPost, u(poll+"/vote"), url.Values{"choice": {"1"}}, nil)
	require.Equal(t, http.StatusConflict, resp.status)
	require.Contains(t, resp.body, "вже проголосувала")
	require.Equal(t, "2 1 1", query(`SELECT count(*) || ' ' || count(*) FILTER (WHERE channel = 'online') || ' ' || count(*) FILTER (WHERE channel = 'paper')
		FROM poll_ballots`))

	// The dispatcher closes the poll; anyone reads the results, as a chart
	// and a table, and takes them as CSV; the open data counts people.
	r = run(
		browsertest.Scenario{Name: "ClosePoll", Viewport: phone, Steps: as("dispatcher", "/admin/polls",
			browsertest.Step{Op: "click", Selector: "form[action$='/close'] button"},
			browsertest.Step{Op: "text", Selector: ".flash"})},
		browsertest.Scenario{Name: "Results", Viewport: phone, Steps: append([]browsertest.Step{{Op: "goto", URL: u(poll)},
			{Op: "text", Selector: "section[aria-labelledby=results-title]"}}, shot("hromada-poll-results-phone")...)},
	)
	require.Contains(t, text(r[1], "text", 0), "Бюлетенів: 2 (онлайн: 1, паперових: 1)")
	require.Contains(t, text(r[1], "text", 0), "Шевченківський\t2", "the voters by district")
	csvBody := fetch(t, ta, u(poll+"/results.csv"))
	require.Contains(t, csvBody, "1,Сквер Каштановий,1,50")
	require.Contains(t, csvBody, "2,Сквер Лукʼянівський,1,50")
	open := fetch(t, ta, u("/opendata/participation.json"))
	require.Contains(t, open, `"kind":"petition"`)
	// The petition's 6,000 by district as the public page has them: 3 + 5,997.
	require.Contains(t, open, `"status":"answered","district":"інші райони (менше 5 у кожному)","people":3}`)
	require.Contains(t, open, fmt.Sprintf(`"katottg":%q,"district":"Шевченківський","people":2`, "UA80000000001078669"))
	require.Contains(t, open, `"district":"невідомо","people":5997`)

	// The city requires a qualified signature: a new petition is signed
	// with the development signer's key in the browser, and one click
	// (a form without a signature) is refused with the reason.
	account := func(persona string) *identity.Signed {
		p := appsPersona(t, persona)
		return &identity.Signed{AccountID: uuid.MustParse(query(`SELECT id::text FROM accounts WHERE rnokpp = $1`, p.RNOKPP)),
			RNOKPP: p.RNOKPP, FullName: p.FullName()}
	}
	qid, err := ta.particip.Draft(identity.WithSigned(ctx, account("resident")), participation.PetitionForm{Token: uuid.NewString(),
		Title: "Висадити каштани на бульварі Шевченка", Body: "Просимо висадити молоді каштани замість сухих дерев.", Competence: true})
	require.NoError(t, err)
	require.NoError(t, ta.particip.Publish(identity.WithSigned(ctx, account("dispatcher")), qid))
	qualified := "/petitions/" + qid.String()
	r = run(
		browsertest.Scenario{Name: "DispatcherRequiresQES", Viewport: phone, Steps: append(as("dispatcher", "/admin/participation"),
			browsertest.Step{Op: "check", Selector: "#f-qualified"},
			browsertest.Step{Op: "screenshot", Name: "hromada-admin-participation-phone", FullPage: true},
			browsertest.Step{Op: "axe"},
			browsertest.Step{Op: "click", Selector: "form[action='/admin/participation'] button"},
			browsertest.Step{Op: "text", Selector: ".flash"},
		)},
	)
	require.Contains(t, text(r[0], "text", 0), "Збережено")
	r = run(browsertest.Scenario{Name: "SignWithQES", Viewport: phone, Steps: as("official-transport", qualified,
		browsertest.Step{Op: "text", Selector: "section[aria-labelledby=sign-title]"},
		browsertest.Step{Op: "screenshot", Name: "hromada-petition-qes-phone", FullPage: true},
		browsertest.Step{Op: "axe"},
		browsertest.Step{Op: "click", Selector: "form[action='" + qualified + "/sign']:not([enctype]) button"},
		browsertest.Step{Op: "text", Selector: ".flash"},
		browsertest.Step{Op: "screenshot", Name: "hromada-petition-qes-signed-phone", FullPage: true},
		browsertest.Step{Op: "axe"},
	)})
	require.Contains(t, text(r[0], "text", 0), "кваліфікованим електронним підписом")
	require.Contains(t, text(r[0], "text", 1), "ваш підпис враховано")
	require.Equal(t, "1 true", query(`SELECT count(*) || ' ' || bool_and(signature IS NOT NULL AND signed_content IS NOT NULL)
		FROM petition_signatures WHERE petition_id = $1`, qid))
	require.Equal(t, "UA80000000001078669", query(`SELECT katottg FROM petition_signatures WHERE petition_id = $1`, qid))
	oneClick := do(t, c, http.MethodPost, u(qualified+"/sign"), url.Values{}, nil)
	require.Equal(t, http.StatusBadRequest, oneClick.status)
	require.Contains(t, oneClick.body, "лише з кваліфікованим електронним підписом")
	require.Equal(t, "1", query(`SELECT signatures::text FROM petitions WHERE id = $1`, qid))

	// With one's own tool: Андрій downloads the text, and uploads a
	// signature file — none, then Ірина's key over his text (refused, by
	// name), then his own (taken).
	text2 := get(t, c, u(qualified+"/signing.json"))
	require.Equal(t, http.StatusOK, text2.status)
	require.Contains(t, text2.body, appsPersona(t, "legal_rep").RNOKPP)
	none := appsMultipart(t, c, u(qualified+"/sign"), nil)
	require.Equal(t, http.StatusUnprocessableEntity, none.status)
	require.Contains(t, none.body, "Поле «Файл підпису»")
	head := appsPersona(t, "provider_head")
	cms, err := ta.apps.SignFor(ctx, head.RNOKPP, head.FullName(), "petition.json", []byte(text2.body))
	require.NoError(t, err)
	other := appsMultipart(t, c, u(qualified+"/sign"), nil, appsFile{field: "signature", name: "petition.p7s", body: cms})
	require.Equal(t, http.StatusBadRequest, other.status)
	require.Contains(t, other.body, "петицію підписано ключем іншої особи")
	rep := appsPersona(t, "legal_rep")
	cms, err = ta.apps.SignFor(ctx, rep.RNOKPP, rep.FullName(), "petition.json", []byte(text2.body))
	require.NoError(t, err)
	own := appsMultipart(t, c, u(qualified+"/sign"), nil, appsFile{field: "signature", name: "petition.p7s", body: cms})
	require.Less(t, own.status, 400, own.body)
	require.Equal(t, "2", query(`SELECT signatures::text FROM petitions WHERE id = $1`, qid))
}

// fetch gets u anonymously and returns its body; the status must be 200.
func fetch(t *testing.T, ta *testApp, u string) string {
	t.Helper()
	r := get(t, ta.client(t), u)
	require.Equal(t, http.StatusOK, r.status, r.body)
	return r.body
}
