package documents_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf16"

	"github.com/digitorus/pdf"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/documents"
	"hromada/modules/documents/doctest"
)

// staticFS is web/static, where the demo cities' coats of arms are.
var staticFS = os.DirFS("../../web/static")

func sampleResult() documents.Result {
	return documents.Result{
		DocumentID: uuid.MustParse("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"),
		Title:      "Рішення про надання адміністративної послуги",
		Number:     "2026-000123",
		IssuedAt:   time.Date(2026, 3, 5, 12, 22, 0, 0, time.UTC),
		City: documents.City{
			Name: "Київська міська рада", Host: "kyiv.hromada.example",
			CoatOfArms: "/static/demo/kyiv.svg", Assets: staticFS,
		},
		Provider:  "Департамент соціальної політики",
		Applicant: documents.Applicant{FullName: "Шевченко Тарас Григорович", RNOKPP: "3184710691"},
		Service:   "Довідка про склад сім’ї",
		Decision:  "approved",
		Grounds:   "Заяву подано в повному обсязі; підстав для відмови, визначених законом, немає.",
		Facts: []documents.Fact{
			{Label: "Адреса реєстрації", Value: "м. Київ, вул. Хрещатик, 1, кв. 1"},
			{Label: "Склад сім’ї", Value: "3 особи: Шевченко Тарас Григорович, Шевченко Олена Іванівна, Шевченко Ґанна Тарасівна"},
		},
		Issuer: documents.Issuer{Automatic: true, SealHolder: "Департамент соціальної політики"},
	}
}

// pdfText is the text of every page, in drawing order: the strings of
// the pages' Tj operators, decoded as a reader decodes them — each font's
// codes (glyph ids, Identity-H) through that font's ToUnicode map.
// (github.com/digitorus/pdf's own text extraction splits two-byte codes
// apart, so only its page and stream access is used.)
func pdfText(t *testing.T, b []byte) (string, int) {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	var sb strings.Builder
	for i := 1; i <= r.NumPage(); i++ {
		p := r.Page(i)
		maps := map[string]map[uint16]string{}
		fonts := p.Resources().Key("Font")
		for _, name := range fonts.Keys() {
			maps[name] = toUnicodeMap(t, readStream(t, fonts.Key(name).Key("ToUnicode")))
		}
		var font map[uint16]string
		var lastName string
		var lastHex []byte
		for _, tok := range contentTokens(readStream(t, p.V.Key("Contents"))) {
			switch {
			case tok[0] == '/':
				lastName = tok[1:]
			case tok[0] == '<':
				lastHex, err = hex.DecodeString(tok[1 : len(tok)-1])
				require.NoError(t, err)
			case tok == "Tf":
				font = maps[lastName]
				require.NotNil(t, font, "font %s has a ToUnicode map", lastName)
			case tok == "Tj":
				for j := 0; j+1 < len(lastHex); j += 2 {
					sb.WriteString(font[uint16(lastHex[j])<<8|uint16(lastHex[j+1])])
				}
			}
		}
		sb.WriteString("\n")
	}
	return sb.String(), r.NumPage()
}

func readStream(t *testing.T, v pdf.Value) []byte {
	t.Helper()
	rc := v.Reader()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	return b
}

// contentTokens splits a content stream into names (/F1), hex strings
// (<0041>) and the other words (numbers, operators). Render writes no
// literal strings in content.
func contentTokens(s []byte) []string {
	var out []string
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\n' || c == '\r':
			i++
		case c == '<':
			e := bytes.IndexByte(s[i:], '>')
			out = append(out, string(s[i:i+e+1]))
			i += e + 1
		default:
			j := i + 1
			for j < len(s) && !bytes.ContainsRune([]byte(" \n\r</"), rune(s[j])) {
				j++
			}
			out = append(out, string(s[i:j]))
			i = j
		}
	}
	return out
}

var bfchar = regexp.MustCompile(`<([0-9A-F]{4})> <([0-9A-F]+)>`)

// toUnicodeMap reads the bfchar entries of a ToUnicode CMap.
func toUnicodeMap(t *testing.T, cmap []byte) map[uint16]string {
	t.Helper()
	m := map[uint16]string{}
	for _, sec := range strings.Split(string(cmap), "beginbfchar")[1:] {
		sec, _, _ = strings.Cut(sec, "endbfchar")
		for _, e := range bfchar.FindAllStringSubmatch(sec, -1) {
			code, err := strconv.ParseUint(e[1], 16, 16)
			require.NoError(t, err)
			raw, err := hex.DecodeString(e[2])
			require.NoError(t, err)
			u := make([]uint16, len(raw)/2)
			for j := range u {
				u[j] = uint16(raw[2*j])<<8 | uint16(raw[2*j+1])
			}
			m[uint16(code)] = string(utf16.Decode(u))
		}
	}
	return m
}

func TestRender(t *testing.T) {
	t.Parallel()
	r := sampleResult()
	b, err := documents.Render(r)
	require.NoError(t, err)

	t.Run("ValidPDFWithEmbeddedFonts", func(t *testing.T) {
		t.Parallel()
		require.True(t, bytes.HasPrefix(b, []byte("%PDF-1.7\n")))
		require.True(t, bytes.HasSuffix(bytes.TrimSpace(b), []byte("%%EOF")))
		require.Contains(t, string(b), "/FontFile2", "the TrueType font is embedded")
		require.Regexp(t, `/BaseFont /[A-Z]{6}\+DejaVuSans `, string(b), "the regular font, as a subset")
		require.Regexp(t, `/BaseFont /[A-Z]{6}\+DejaVuSans-Bold `, string(b), "the bold one")
		require.Contains(t, string(b), "/ToUnicode", "the text maps back to Unicode")
		require.Contains(t, string(b), "/CIDToGIDMap /Identity")
		require.NotContains(t, string(b), "/URI", "no links out of the file")
		require.Less(t, len(b), 40_000, "the fonts are subset")
	})

	t.Run("MetadataLinked", func(t *testing.T) {
		t.Parallel()
		require.Contains(t, string(b), "/Metadata ", "the catalog links the XMP packet")
		require.Contains(t, string(b), "<dc:identifier>urn:uuid:"+r.DocumentID.String())
		require.Contains(t, string(b), "<xmp:CreateDate>2026-03-05T14:22:00+02:00</xmp:CreateDate>")
		// 14:22 in Kyiv is 12:22 UTC: the dates carry their offset, so a
		// reader in any zone shows the same instant.
		require.Contains(t, string(b), "/CreationDate (D:20260305142200+02'00')")
		require.Contains(t, string(b), "/ModDate (D:20260305142200+02'00')")
		f := filepath.Join(t.TempDir(), "r.pdf")
		require.NoError(t, os.WriteFile(f, b, 0o600))
		cmd := exec.Command(doctest.RequireTool(t, "pdfinfo", "poppler-utils"), "-isodates", f)
		cmd.Env = append(os.Environ(), "TZ=UTC")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		require.Contains(t, string(out), "2026-03-05T14:22:00+02")
		require.NotContains(t, string(out), "Error")
		requireXrefExact(t, b)
	})

	t.Run("CyrillicTextExtractable", func(t *testing.T) {
		t.Parallel()
		text, pages := pdfText(t, b)
		require.Equal(t, 1, pages)
		for _, want := range []string{
			"Київська міська рада", "Департамент соціальної політики", "Рішення про надання адміністративної послуги",
			"№ 2026-000123 від 05.03.2026", "Шевченко Тарас Григорович", "3184710691", "Довідка про склад сім’ї",
			"Надати послугу", "Адреса реєстрації", "Ґанна", "05.03.2026 14:22", "Автоматично, без участі посадової особи",
			"Електронна печатка", "Сторінка 1 з 1",
			documents.VerifyURL("kyiv.hromada.example", r.DocumentID),
		} {
			require.Contains(t, text, want)
		}
	})

	t.Run("Pdftotext", func(t *testing.T) {
		t.Parallel()
		f := filepath.Join(t.TempDir(), "r.pdf")
		require.NoError(t, os.WriteFile(f, b, 0o600))
		out, err := exec.Command(doctest.RequireTool(t, "pdftotext", "poppler-utils"), "-enc", "UTF-8", f, "-").CombinedOutput()
		require.NoError(t, err, string(out))
		require.Contains(t, string(out), "Рішення про надання адміністративної послуги")
		require.Contains(t, string(out), "https://kyiv.hromada.example/verify/"+r.DocumentID.String())
		info, err := exec.Command(doctest.RequireTool(t, "pdfinfo", "poppler-utils"), f).CombinedOutput()
		require.NoError(t, err, string(info))
		require.Contains(t, string(info), "Metadata Stream: yes")
		require.NotContains(t, string(info), "Error")
	})

	t.Run("Deterministic", func(t *testing.T) {
		t.Parallel()
		again, err := documents.Render(sampleResult())
		require.NoError(t, err)
		require.Equal(t, b, again, "same result, same bytes")

		other := sampleResult()
		other.DocumentID = uuid.MustParse("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c")
		differ, err := documents.Render(other)
		require.NoError(t, err)
		require.NotEqual(t, b, differ)
	})
}

func TestRenderOfficial(t *testing.T) {
	t.Parallel()
	r := sampleResult()
	r.Decision = "refused"
	r.Applicant.OrgName = "ТОВ «Зелений двір»"
	r.Applicant.EDRPOU = "38031234"
	r.Issuer = documents.Issuer{Position: "Начальник відділу", FullName: "Коваленко Ірина Петрівна",
		At: time.Date(2026, 3, 4, 9, 5, 0, 0, time.UTC)}
	b, err := documents.Render(r)
	require.NoError(t, err)
	text, _ := pdfText(t, b)
	for _, want := range []string{"Відмовити в наданні послуги", "Начальник відділу", "Коваленко Ірина Петрівна",
		"04.03.2026 11:05", "ТОВ «Зелений двір», код ЄДРПОУ 38031234"} {
		require.Contains(t, text, want)
	}
	require.NotContains(t, text, "Автоматично")
	require.NotContains(t, text, "Електронна печатка", "no seal holder given")
}

func TestRenderCoatOfArms(t *testing.T) {
	t.Parallel()
	withCoat, err := documents.Render(sampleResult())
	require.NoError(t, err)

	for name, city := range map[string]func(*documents.City){
		"Missing":     func(c *documents.City) { c.CoatOfArms = "/static/demo/nowhere.svg" },
		"NoAssets":    func(c *documents.City) { c.Assets = nil },
		"None":        func(c *documents.City) { c.CoatOfArms = "" },
		"Remote":      func(c *documents.City) { c.CoatOfArms = "https://example.com/coat.svg" },
		"OutsideRoot": func(c *documents.City) { c.CoatOfArms = "/static/../../etc/passwd.svg" },
		"TooComplex": func(c *documents.City) {
			c.CoatOfArms = "/static/x.svg"
			c.Assets = fstest.MapFS{"x.svg": {Data: []byte(`<svg viewBox="0 0 10 10"><g transform="scale(2)"><path d="M0 0h5v5z"/></g></svg>`)}}
		},
		"Arc": func(c *documents.City) {
			c.CoatOfArms = "/static/x.svg"
			c.Assets = fstest.MapFS{"x.svg": {Data: []byte(`<svg viewBox="0 0 10 10"><path d="M0 0a5 5 0 0 1 10 0z"/></svg>`)}}
		},
		"NotXML": func(c *documents.City) {
			c.CoatOfArms = "/static/x.svg"
			c.Assets = fstest.MapFS{"x.svg": {Data: []byte(`\x89PNG not an svg`)}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := sampleResult()
			city(&r.City)
			b, err := documents.Render(r)
			require.NoError(t, err, "a coat of arms never fails the document")
			require.NotEqual(t, withCoat, b, "the frame replaces the coat of arms")
			text, _ := pdfText(t, b)
			// The city's name is in the header and, once more (wrapped), in the frame.
			require.Equal(t, 2, strings.Count(text, "Київська"))
		})
	}

	t.Run("Lviv", func(t *testing.T) {
		t.Parallel()
		r := sampleResult()
		r.City.CoatOfArms = "/static/demo/lviv.svg"
		b, err := documents.Render(r)
		require.NoError(t, err)
		text, _ := pdfText(t, b)
		require.Equal(t, 1, strings.Count(text, "Київська"), "drawn, no frame")
	})
}

func TestRenderLongFacts(t *testing.T) {
	t.Parallel()
	r := sampleResult()
	r.Facts = nil
	for i := range 60 {
		r.Facts = append(r.Facts, documents.Fact{Label: fmt.Sprintf("Показник %d", i+1), Value: strings.Repeat("значення ", i%7+1)})
	}
	r.Grounds = "Підстава 🏛 з емодзі\tі табуляцією"
	b, err := documents.Render(r)
	require.NoError(t, err)
	text, pages := pdfText(t, b)
	require.Greater(t, pages, 1)
	require.Contains(t, text, "Показник 60")
	require.Contains(t, text, fmt.Sprintf("Сторінка %d з %d", pages, pages))
	require.Contains(t, text, "Підстава ? з емодзі і табуляцією", "characters the fonts cannot draw are replaced")
}

func TestRenderVerifyURL(t *testing.T) {
	t.Parallel()
	r := sampleResult()
	r.City.Host = ""
	r.VerifyURL = "http://kyiv.localhost:8080/verify/" + r.DocumentID.String()
	b, err := documents.Render(r)
	require.NoError(t, err)
	text, _ := pdfText(t, b)
	require.Contains(t, text, r.VerifyURL)
}

func TestRenderIncomplete(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]func(*documents.Result){
		"NoID":    func(r *documents.Result) { r.DocumentID = uuid.Nil },
		"NoTitle": func(r *documents.Result) { r.Title = " " },
		"NoDate":  func(r *documents.Result) { r.IssuedAt = time.Time{} },
		"NoHost":  func(r *documents.Result) { r.City.Host = "" },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := sampleResult()
			f(&r)
			_, err := documents.Render(r)
			require.ErrorIs(t, err, documents.ErrIncomplete)
		})
	}
}

// requireXrefExact checks that every in-use entry of the cross-reference
// table points at its object's first byte, so that a reader that trusts
// the table (and the seal's incremental update, which extends it) finds them.
func requireXrefExact(t *testing.T, b []byte) {
	t.Helper()
	x := bytes.LastIndex(b, []byte("\nxref\n0 "))
	require.Positive(t, x)
	lines := strings.Split(string(b[x+len("\nxref\n"):]), "\n")
	var n int
	_, err := fmt.Sscanf(lines[0], "0 %d", &n)
	require.NoError(t, err)
	for i := 1; i < n; i++ {
		var off, gen int
		var kind string
		_, err := fmt.Sscanf(lines[i+1], "%d %d %s", &off, &gen, &kind)
		require.NoError(t, err)
		if kind == "n" {
			require.True(t, bytes.HasPrefix(b[off:], []byte(fmt.Sprintf("%d 0 obj", i))), "object %d at %d", i, off)
		}
	}
}
