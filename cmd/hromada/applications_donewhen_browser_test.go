package main

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/applications"
	"hromada/modules/documents/doctest"
	"hromada/tenant"
	"hromada/web/browsertest"
)

// TestApplicationsDoneWhenInBrowser is issue 14's done-when as one test,
// in Chromium. On a phone (390 px) the resident applies for five services
// as a person does: registration of residence (a settlement picked by its
// name, a phone with spaces, two required fields left empty — the summary
// names both, has the focus and its links lead to them —, a missing
// mandatory document caught before signing, a 12 MB file refused with the
// limit stated), deregistration, a certificate of the persons registered,
// an extract from the register, and a parking ticket (a Latin look-alike
// plate, then a Cyrillic one; its mandatory document caught at the
// review), signing each. An official approves the
// deregistration and refuses the registration with one of the service's
// grounds; the resident, on a phone and a desktop, finds «Надано» and
// «Відмовлено», each result first, the refusal with its grounds and how to
// appeal, both PDFs verify with openssl and pdfsig, and a tampered copy
// gets the failure banner. A direct POST of another person's РНОКПП is
// refused, naming the field. One more registration is left undecided:
// with the clock moved past its term it escalates to the centre's head,
// who reads the notice and opens the case with the reassignment form. Every page passes
// axe-core; no phone page scrolls sideways.
func TestApplicationsDoneWhenInBrowser(t *testing.T) {
	t.Parallel()
	e := newAppsEnvWith(t, testAppOpts{baseDomain: "localhost"})
	dir := t.TempDir()
	pdf, big := filepath.Join(dir, "pravo.pdf"), filepath.Join(dir, "skan.pdf")
	require.NoError(t, os.WriteFile(pdf, appsPDF, 0o600))
	require.NoError(t, os.WriteFile(big, bytes.Repeat(appsPDF, 12<<20/len(appsPDF)), 0o600))
	phone, desktop := &browsertest.Viewport{Width: 390, Height: 844}, &browsertest.Viewport{Width: 1280, Height: 900}

	// marks names the steps whose results are checked below.
	marks := map[string][2]int{}
	var scenarios []browsertest.Scenario
	scenario := func(name string, vp *browsertest.Viewport) func(mark string, s browsertest.Step) {
		scenarios = append(scenarios, browsertest.Scenario{Name: name, Viewport: vp})
		i := len(scenarios) - 1
		return func(mark string, s browsertest.Step) {
			if mark != "" {
				marks[mark] = [2]int{i, len(scenarios[i].Steps)}
			}
			scenarios[i].Steps = append(scenarios[i].Steps, s)
		}
	}
	signIn := func(add func(string, browsertest.Step), persona, ret string) {
		add("", browsertest.Step{Op: "goto", URL: e.u("/auth/login?return=" + ret)})
		add("", browsertest.Step{Op: "click", Selector: "button[value=" + persona + "]"})
	}
	var results []browsertest.Result
	run := func() func(mark string) browsertest.StepResult {
		results = browsertest.Run(t, scenarios)
		browsertest.RequireOK(t, results)
		browsertest.RequireNoViolations(t, results)
		return func(mark string) browsertest.StepResult {
			m, ok := marks[mark]
			require.True(t, ok, mark)
			return results[m[0]].Steps[m[1]]
		}
	}
	noSideways := func() {
		for _, sc := range results {
			for _, st := range sc.Steps {
				if st.File == "" || !strings.Contains(st.File, "phone") {
					continue
				}
				f, err := os.Open(st.File)
				require.NoError(t, err)
				cfg, err := png.DecodeConfig(f)
				f.Close()
				require.NoError(t, err)
				require.Equal(t, 390, cfg.Width, "%s scrolls sideways on a phone", filepath.Base(st.File))
			}
		}
	}

	// 1. Five services on a phone.
	live := scenario("Residence", phone)
	signIn(live, "resident", "/services/KY-0001/apply")
	live("", browsertest.Step{Op: "click", Selector: "form[action='/services/KY-0001/apply'] button"})
	live("", browsertest.Step{Op: "fill", Selector: "#f-phone", Value: "067 100 00 01"})
	live("", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	live("", browsertest.Step{Op: "fill", Selector: "#f-katottg", Value: "Бровар"})
	live("listed", browsertest.Step{Op: "waitText", Selector: "#f-katottg-list li[role=option]", Value: "Броварська громада"})
	live("", browsertest.Step{Op: "screenshot", Name: "hromada-forms-settlement-combobox-phone", FullPage: true})
	live("expanded", browsertest.Step{Op: "attr", Selector: "#f-katottg", Name: "aria-expanded"})
	live("", browsertest.Step{Op: "axe"})
	live("", browsertest.Step{Op: "click", Selector: "#f-katottg-list li[role=option]"})
	live("picked", browsertest.Step{Op: "attr", Selector: "input[type=hidden][name=katottg]", Name: "value"})
	live("", browsertest.Step{Op: "check", Selector: "input[name=basis][value=owner]"})
	live("twoEmpty", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	live("summary", browsertest.Step{Op: "text", Selector: "#error-summary"})
	live("summaryFocused", browsertest.Step{Op: "focused"})
	live("inline", browsertest.Step{Op: "text", Selector: "#f-address-error"})
	live("describedBy", browsertest.Step{Op: "attr", Selector: "#f-address", Name: "aria-describedby"})
	live("keptPlace", browsertest.Step{Op: "attr", Selector: "#f-katottg", Name: "value"})
	live("", browsertest.Step{Op: "screenshot", Name: "hromada-forms-error-summary-phone", FullPage: true})
	live("", browsertest.Step{Op: "axe"})
	live("", browsertest.Step{Op: "click", Selector: "#error-summary a[href='#f-moved_on']"})
	live("linkFocus", browsertest.Step{Op: "focused"})
	live("", browsertest.Step{Op: "fill", Selector: "#f-address", Value: "вул. Шевченка, 2, кв. 7"})
	live("", browsertest.Step{Op: "fill", Selector: "#f-moved_on", Value: "2026-10-01"})
	live("", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	live("", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	live("", browsertest.Step{Op: "click", Selector: "a.button[href$='/review']"})
	live("missing", browsertest.Step{Op: "text", Selector: "#error-summary"})
	live("reviewValues", browsertest.Step{Op: "text", Selector: "main"})
	live("", browsertest.Step{Op: "screenshot", Name: "hromada-forms-missing-document-phone", FullPage: true})
	live("", browsertest.Step{Op: "axe"})
	live("", browsertest.Step{Op: "click", Selector: "#error-summary a"})
	live("", browsertest.Step{Op: "select", Selector: "#f-document", Value: "4"})
	live("", browsertest.Step{Op: "upload", Selector: "#f-file", Value: big})
	live("tooBig", browsertest.Step{Op: "click", Selector: "form[enctype] button[type=submit]"})
	live("tooBigText", browsertest.Step{Op: "text", Selector: "#error-summary"})
	live("tooBigFocused", browsertest.Step{Op: "focused"})
	live("", browsertest.Step{Op: "screenshot", Name: "hromada-forms-file-too-large-phone", FullPage: true})
	live("", browsertest.Step{Op: "axe"})
	live("", browsertest.Step{Op: "select", Selector: "#f-document", Value: "4"})
	live("", browsertest.Step{Op: "upload", Selector: "#f-file", Value: pdf})
	live("", browsertest.Step{Op: "click", Selector: "form[enctype] button[type=submit]"})
	live("documents", browsertest.Step{Op: "text", Selector: "#document-4"})
	live("", browsertest.Step{Op: "screenshot", Name: "hromada-forms-documents-phone", FullPage: true})
	live("", browsertest.Step{Op: "axe"})
	live("", browsertest.Step{Op: "click", Selector: "a.button[href$='/review']"})
	live("", browsertest.Step{Op: "click", Selector: "form[action$='/sign'] button.button"})
	live("submitted-KY-0001", browsertest.Step{Op: "text", Selector: "h1"})

	// The three short forms: a phone with spaces, a choice, then sign.
	for _, s := range []struct {
		code   string
		choice []string // a radio to check on the steps after the first, in order ("" = nothing to choose)
	}{
		{"KY-0002", []string{"input[name=for_whom][value=self]", ""}},
		{"KY-0003", []string{"input[name=purpose][value=bank]"}},
		{"KY-0004", []string{"", "input[name=purpose][value=bank]"}},
	} {
		a := scenario("Apply-"+s.code, phone)
		signIn(a, "resident", "/services/"+s.code+"/apply")
		a("", browsertest.Step{Op: "click", Selector: "form[action='/services/" + s.code + "/apply'] button"})
		a("", browsertest.Step{Op: "fill", Selector: "#f-phone", Value: "067 100 00 01"})
		a("", browsertest.Step{Op: "click", Selector: "button[value=next]"})
		for _, c := range s.choice {
			if c != "" {
				a("", browsertest.Step{Op: "check", Selector: c})
			}
			a("", browsertest.Step{Op: "click", Selector: "button[value=next]"})
		}
		a("", browsertest.Step{Op: "click", Selector: "a.button[href$='/review']"})
		a("", browsertest.Step{Op: "screenshot", Name: "hromada-donewhen-review-" + s.code + "-phone", FullPage: true})
		a("", browsertest.Step{Op: "axe"})
		a("", browsertest.Step{Op: "click", Selector: "form[action$='/sign'] button.button"})
		a("submitted-"+s.code, browsertest.Step{Op: "text", Selector: "h1"})
	}

	park := scenario("Parking", phone)
	signIn(park, "resident", "/services/KY-0047/apply")
	park("", browsertest.Step{Op: "click", Selector: "form[action='/services/KY-0047/apply'] button"})
	park("", browsertest.Step{Op: "fill", Selector: "#f-phone", Value: "+38 067 1000001"})
	park("", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	park("", browsertest.Step{Op: "fill", Selector: "#f-plate", Value: "ka 0001 ix"})
	park("", browsertest.Step{Op: "select", Selector: "#f-zone", Value: "A"})
	park("", browsertest.Step{Op: "fill", Selector: "#f-start", Value: "2099-01-01"})
	park("", browsertest.Step{Op: "fill", Selector: "#f-end", Value: "2099-06-01"})
	park("noMake", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	park("latinPlate", browsertest.Step{Op: "attr", Selector: "#f-plate", Name: "value"})
	park("", browsertest.Step{Op: "screenshot", Name: "hromada-forms-plate-phone", FullPage: true})
	park("", browsertest.Step{Op: "axe"})
	park("", browsertest.Step{Op: "fill", Selector: "#f-plate", Value: "АА 1234 ВВ"})
	park("", browsertest.Step{Op: "fill", Selector: "#f-make", Value: "Renault Zoe"})
	park("", browsertest.Step{Op: "click", Selector: "button[value=next]"})
	park("", browsertest.Step{Op: "click", Selector: "a.button[href$='/review']"})
	park("parkReview", browsertest.Step{Op: "text", Selector: "main"})
	park("", browsertest.Step{Op: "screenshot", Name: "hromada-forms-plate-review-phone", FullPage: true})
	park("", browsertest.Step{Op: "axe"})
	park("", browsertest.Step{Op: "click", Selector: "#error-summary a"})
	park("", browsertest.Step{Op: "select", Selector: "#f-document", Value: "2"})
	park("", browsertest.Step{Op: "upload", Selector: "#f-file", Value: pdf})
	park("", browsertest.Step{Op: "click", Selector: "form[enctype] button[type=submit]"})
	park("", browsertest.Step{Op: "click", Selector: "a.button[href$='/review']"})
	park("", browsertest.Step{Op: "click", Selector: "form[action$='/sign'] button.button"})
	park("submitted-KY-0047", browsertest.Step{Op: "text", Selector: "h1"})

	at := run()
	noSideways()
	require.Equal(t, "м. Бровари, Броварська громада, Броварський район, Київська область", at("listed").Text)
	require.Equal(t, "true", at("expanded").Text, "typing opens the list of places")
	require.Equal(t, "UA32060050010081797", at("picked").Text, "the code comes from the place picked, never typed")
	require.Equal(t, 422, at("twoEmpty").Status)
	require.Contains(t, at("summary").Text, "Заповніть поле «Вулиця, будинок, квартира».")
	require.Contains(t, at("summary").Text, "Заповніть поле «Дата вселення».")
	require.Contains(t, at("summaryFocused").Text, "div#error-summary", "the focus is on the summary")
	require.Equal(t, "Заповніть поле «Вулиця, будинок, квартира».", at("inline").Text)
	require.Contains(t, at("describedBy").Text, "f-address-error")
	require.Equal(t, "м. Бровари, Броварська громада, Броварський район, Київська область", at("keptPlace").Text)
	require.Contains(t, at("linkFocus").Text, "input#f-moved_on", "a summary link puts the focus in its field")
	require.Contains(t, at("missing").Text, "Додайте файл документа «Документ, що підтверджує право на проживання в житлі")
	require.Contains(t, at("reviewValues").Text, "+380671000001", "the phone with spaces, as kept")
	require.Contains(t, at("reviewValues").Text, "м. Бровари, Броварська громада, Броварський район, Київська область (UA32060050010081797)")
	require.Equal(t, 413, at("tooBig").Status)
	require.Contains(t, at("tooBigText").Text, "найбільший дозволений розмір — 10 МБ")
	require.Contains(t, at("tooBigFocused").Text, "div#error-summary")
	require.Contains(t, at("documents").Text, "pravo.pdf")
	require.Equal(t, 422, at("noMake").Status)
	require.Equal(t, "КА0001ІХ", at("latinPlate").Text, "Latin look-alikes, spaces and case: the plate as registered")
	require.Contains(t, at("parkReview").Text, "АА1234ВВ")
	require.Contains(t, at("parkReview").Text, "+380671000001")
	require.Contains(t, at("parkReview").Text, "Додайте файл документа «Свідоцтво про реєстрацію транспортного засобу»")
	ids := map[string]string{}
	for _, code := range []string{"KY-0001", "KY-0002", "KY-0003", "KY-0004", "KY-0047"} {
		require.Contains(t, at("submitted-"+code).Text, "Заява № 2026-", code)
		e.tx(func(ctx context.Context, tx pgx.Tx) error {
			var id string
			err := tx.QueryRow(ctx, `SELECT a.id::text FROM applications a JOIN services s ON s.tenant_id = a.tenant_id AND s.id = a.service_id
				WHERE s.code = $1 AND a.number IS NOT NULL`, code).Scan(&id)
			ids[code] = id
			return err
		})
	}
	granted, refused := ids["KY-0002"], ids["KY-0001"]

	// 2. A direct POST of another person's РНОКПП is refused on its step,
	// naming the field, whatever the page shows.
	resident, other := appsPersona(t, "resident"), appsPersona(t, "legal_rep")
	res := e.as(e.host, "resident")
	draft := e.start(res, "KY-0001")
	bad := appsApplicantStep(resident)
	bad.Set("rnokpp", other.RNOKPP)
	r := e.step(res, draft, 0, bad, "next")
	require.Equal(t, http.StatusUnprocessableEntity, r.status, appsText(r))
	require.Contains(t, appsText(r), "Поле «РНОКПП (ідентифікаційний код)» — це дані заявника з вашого входу та сертифіката підпису")
	require.Equal(t, "draft", e.row(draft).Status)
	// One more registration, through the pages' own posts, that nobody
	// decides: its term will pass.
	open := e.applyResidence(res, resident)

	// 3. The official approves one and refuses another, and signs both.
	scenarios, marks = nil, map[string][2]int{}
	off := scenario("OfficialApprovesAndRefuses", desktop)
	signIn(off, "official-dcnap", "/admin")
	off("", browsertest.Step{Op: "goto", URL: e.u("/work/applications/" + granted)})
	off("", browsertest.Step{Op: "click", Selector: "form[action$='/take'] button"})
	off("", browsertest.Step{Op: "click", Selector: "form[action$='/decide'] button"})
	off("", browsertest.Step{Op: "fill", Selector: "#f-issue-comment", Value: "Знято з реєстрації."})
	off("", browsertest.Step{Op: "click", Selector: "form[action$='/issue'] button"})
	off("offGranted", browsertest.Step{Op: "text", Selector: "#app-status"})
	off("", browsertest.Step{Op: "goto", URL: e.u("/work/applications/" + refused)})
	off("", browsertest.Step{Op: "click", Selector: "form[action$='/take'] button"})
	off("", browsertest.Step{Op: "check", Selector: "input[name=decision][value=refuse]"})
	off("", browsertest.Step{Op: "press", Selector: "#f-grounds", Key: "ArrowDown"})
	off("", browsertest.Step{Op: "fill", Selector: "#f-comment", Value: "Не додано документа про право на житло."})
	off("", browsertest.Step{Op: "screenshot", Name: "hromada-decision-refuse", FullPage: true})
	off("", browsertest.Step{Op: "axe"})
	off("", browsertest.Step{Op: "click", Selector: "form[action$='/decide'] button"})
	off("", browsertest.Step{Op: "click", Selector: "form[action$='/issue'] button"})
	off("offRefused", browsertest.Step{Op: "text", Selector: "#app-status"})
	off("", browsertest.Step{Op: "screenshot", Name: "hromada-decision-refused-work", FullPage: true})
	off("", browsertest.Step{Op: "axe"})
	off("", browsertest.Step{Op: "goto", URL: e.u("/work/applications?provider=" + e.providerID("dcnap"))})
	off("offQueue", browsertest.Step{Op: "text", Selector: "main table"})
	off("", browsertest.Step{Op: "axe"})
	at = run()
	require.Equal(t, "Надано", at("offGranted").Text)
	require.Equal(t, "Відмовлено", at("offRefused").Text)
	require.Contains(t, at("offQueue").Text, "Надано")
	require.Contains(t, at("offQueue").Text, "Відмовлено")

	// Both decisions are PDFs signed by the official, inside and detached,
	// that the outside tools accept.
	ca := e.devCA()
	official := appsPersona(t, "official-dcnap")
	pdfs := map[string][]byte{}
	for _, id := range []string{granted, refused} {
		number := e.row(id).Number
		links := appsFiles(get(t, res, e.u("/cabinet/applications/"+id)).body)
		name := "rishennia-" + number + ".pdf"
		pdf, p7s := get(t, res, e.u(links[name])), get(t, res, e.u(links[name+".p7s"]))
		require.Contains(t, doctest.RequireSigned(t, []byte(pdf.body), []byte(p7s.body), ca.Certificate), official.FullName())
		pdfs[id] = []byte(pdf.body)
	}
	text := doctest.Text(t, pdfs[granted])
	for _, want := range []string{"Рішення про надання адміністративної послуги", "Надати послугу", "Знято з реєстрації.", "Адміністратор ЦНАП",
		official.FullName(), "(за київським часом)", "/verify/"} {
		require.Contains(t, text, want)
	}
	require.NotContains(t, text, "Порядок оскарження")
	text = doctest.Text(t, pdfs[refused])
	for _, want := range []string{"Рішення про відмову в наданні адміністративної послуги", "Відмовити в наданні послуги",
		"Порядок оскарження", "протягом 30 днів", "шести місяців", official.FullName()} {
		require.Contains(t, text, want)
	}
	tampered := append([]byte{}, pdfs[refused]...)
	tampered[len(tampered)/3] ^= 1
	copyFile := filepath.Join(t.TempDir(), "rishennia-kopiia.pdf")
	require.NoError(t, os.WriteFile(copyFile, tampered, 0o600))

	// 4. The open registration's term passes: the clock moved three weeks
	// on, the city's deadline job escalates it to the centre's head.
	e.as(e.host, "provider_head") // the head has signed in before (an account to tell)
	later := &applications.Service{DB: e.ta.db.App, Notify: e.ta.apps.Notify, Now: func() time.Time { return time.Now().AddDate(0, 0, 21) }}
	n, err := later.Escalate(tenant.With(t.Context(), e.kyiv))
	require.NoError(t, err)
	require.Positive(t, n.Overdue)
	overdue := e.row(open).Number

	// 5. The resident reads the decisions, on a phone and a desktop; the
	// head reads the escalation.
	scenarios, marks = nil, map[string][2]int{}
	for _, v := range []struct {
		name string
		vp   *browsertest.Viewport
	}{{"phone", phone}, {"desktop", desktop}} {
		r := scenario("ResidentReadsDecisions-"+v.name, v.vp)
		signIn(r, "resident", "/cabinet")
		r(v.name+"Cabinet", browsertest.Step{Op: "text", Selector: "main table"})
		r(v.name+"CabinetReady", browsertest.Step{Op: "text", Selector: "main"})
		r("", browsertest.Step{Op: "screenshot", Name: "hromada-cabinet-decisions-" + v.name, FullPage: true})
		r("", browsertest.Step{Op: "axe"})
		r("", browsertest.Step{Op: "goto", URL: e.u("/cabinet/applications/" + granted)})
		r(v.name+"Granted", browsertest.Step{Op: "text", Selector: "#ready"})
		r("", browsertest.Step{Op: "screenshot", Name: "hromada-ready-granted-" + v.name})
		r("", browsertest.Step{Op: "axe"})
		r("", browsertest.Step{Op: "goto", URL: e.u("/cabinet/applications/" + refused)})
		r(v.name+"Refused", browsertest.Step{Op: "text", Selector: "#ready"})
		r("", browsertest.Step{Op: "screenshot", Name: "hromada-ready-refused-" + v.name})
		r("", browsertest.Step{Op: "screenshot", Name: "hromada-ready-refused-" + v.name + "-full", FullPage: true})
		r("", browsertest.Step{Op: "axe"})
		r("", browsertest.Step{Op: "goto", URL: e.u("/cabinet/notifications")})
		r(v.name+"Inbox", browsertest.Step{Op: "text", Selector: ".inbox"})
		r("", browsertest.Step{Op: "axe"})
		r("", browsertest.Step{Op: "goto", URL: e.u("/cabinet/applications/" + refused)})
		r("", browsertest.Step{Op: "click", Selector: "#ready a[href^='/verify/']"})
		r(v.name+"Verified", browsertest.Step{Op: "text", Selector: "#verdict"})
		r("", browsertest.Step{Op: "upload", Selector: "#f-document", Value: copyFile})
		r("", browsertest.Step{Op: "click", Selector: "form[action^='/verify/'] button"})
		r(v.name+"Tampered", browsertest.Step{Op: "text", Selector: "#verdict"})
		r(v.name+"Green", browsertest.Step{Op: "text", Selector: ".verified", Optional: true, TimeoutMs: 500})
		r("", browsertest.Step{Op: "screenshot", Name: "hromada-verify-tampered-" + v.name, FullPage: true})
		r("", browsertest.Step{Op: "axe"})
	}
	head := scenario("HeadReadsEscalation", phone)
	signIn(head, "provider_head", "/cabinet/notifications")
	head("headInbox", browsertest.Step{Op: "text", Selector: ".inbox"})
	head("", browsertest.Step{Op: "screenshot", Name: "hromada-escalation-head-inbox-phone", FullPage: true})
	head("", browsertest.Step{Op: "axe"})
	head("", browsertest.Step{Op: "goto", URL: e.u("/work/applications/" + open)})
	head("headReassign", browsertest.Step{Op: "text", Selector: "form[action$='/reassign']"})
	head("", browsertest.Step{Op: "screenshot", Name: "hromada-escalation-head-case-phone", FullPage: true})
	head("", browsertest.Step{Op: "axe"})
	at = run()
	noSideways()
	for _, v := range []string{"phone", "desktop"} {
		require.Contains(t, at(v+"Cabinet").Text, "Надано")
		require.Contains(t, at(v+"Cabinet").Text, "Відмовлено")
		require.NotContains(t, at(v+"Cabinet").Text, "Результат видано")
		ready := at(v + "CabinetReady").Text
		require.Contains(t, ready, "У наданні послуги відмовлено")
		require.Contains(t, ready, "Ваш документ готовий")
		require.Less(t, strings.Index(ready, "У наданні послуги відмовлено"), strings.Index(ready, "Мої заяви"), "the results first")
		require.Less(t, strings.Index(ready, "Ваш документ готовий"), strings.Index(ready, "Мої заяви"))
		require.Contains(t, ready, "Завантажити рішення (PDF)")
		require.Contains(t, ready, "Завантажити документ (PDF)")
		g := at(v + "Granted").Text
		require.Contains(t, g, "Ваш документ готовий")
		require.Contains(t, g, "Рішення про надання адміністративної послуги")
		require.Contains(t, g, "Завантажити документ (PDF)")
		f := at(v + "Refused").Text
		require.Contains(t, f, "У наданні послуги відмовлено")
		require.Contains(t, f, "Підстава відмови")
		require.Contains(t, f, "Як оскаржити")
		require.Contains(t, f, "шести місяців")
		require.Contains(t, f, "Завантажити рішення (PDF)")
		require.Contains(t, at(v+"Inbox").Text, "послугу надано")
		require.Contains(t, at(v+"Inbox").Text, "у наданні послуги відмовлено")
		require.Contains(t, at(v+"Verified").Text, "підписано кваліфікованим електронним підписом посадової особи")
		require.Contains(t, at(v+"Tampered").Text, "Ваш файл не збігається з виданим документом")
		require.False(t, at(v+"Green").OK, "no green banner over a tampered copy")
	}
	require.Contains(t, at("headInbox").Text, "Заяву № "+overdue)
	require.Contains(t, at("headInbox").Text, "прострочено")
	require.NotEmpty(t, at("headReassign").Text, "the head may hand the case to an official")
}
