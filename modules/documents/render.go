package documents

import (
	_ "embed"
	"errors"
	"fmt"
	"html"
	"strings"
	"sync"
	"time"
	"unicode"

	"hromada/modules/documents/pdfdoc"
	"hromada/tenant"

	"github.com/google/uuid"
)

// DejaVu Sans covers Ukrainian (and the rest of Cyrillic, Latin and
// Greek); its licence (fonts/LICENSE) permits embedding and
// redistribution. The fonts are embedded in the binary so that a result
// looks the same on every server, and subset into every PDF so that it
// looks the same in every reader.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

// fonts are the two fonts parsed, once per process: a document only
// subsets them.
var fonts = sync.OnceValues(func() ([2]*pdfdoc.Font, error) {
	regular, err := pdfdoc.ParseTTF("DejaVuSans", fontRegular)
	if err != nil {
		return [2]*pdfdoc.Font{}, err
	}
	bold, err := pdfdoc.ParseTTF("DejaVuSans-Bold", fontBold)
	return [2]*pdfdoc.Font{regular, bold}, err
})

// Errors of Render, for errors.Is.
var (
	ErrIncomplete = errors.New("documents: result is missing its id, title, date, or city host and verification address")
)

// producer names the software in the PDF's metadata.
const producer = "Hromada (modules/documents/pdfdoc)"

// The page: A4, in millimetres.
const (
	marginLeft   = 20.0
	marginRight  = 15.0
	marginTop    = 15.0
	marginBottom = 20.0
	labelWidth   = 48.0
	qrSize       = 34.0
)

// Render lays out r as a PDF: an A4 page (more if the facts need them)
// with the city's coat of arms and name, the provider, the title, number
// and date, the applicant, the service, the decision and its grounds, the
// table of facts, who decided and when, and a QR code with the address of
// the verification page, which is also printed.
//
// The PDF is made to last (PDF/A in spirit, not certified as such): the
// two fonts are embedded as subsets with Unicode maps, so the text can be
// searched and copied; the document information and an XMP packet carry
// title, subject, author, dates and the document id; nothing refers to
// anything outside the file.
//
// Render reads no clock and draws no random numbers: the same Result gives
// the same bytes, so a job that is retried after rendering produces the
// same document. A coat of arms that is missing or not drawable is
// replaced by the city's name in a frame; it never fails the document.
func Render(r Result) (out []byte, err error) {
	if r.DocumentID == uuid.Nil || strings.TrimSpace(r.Title) == "" || r.IssuedAt.IsZero() || (r.City.Host == "" && r.VerifyURL == "") {
		return nil, ErrIncomplete
	}
	// The writer panics only on a programming error (a font not added);
	// even so a result must fail its job, not the worker.
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("documents: render: %v", p)
		}
	}()
	url := r.VerifyURL
	if url == "" {
		url = VerifyURL(r.City.Host, r.DocumentID)
	}
	url = clean(url)
	qrText := url
	if r.QR != "" {
		qrText = clean(r.QR)
	}
	qr, err := qrMatrix(qrText)
	if err != nil {
		return nil, err
	}
	issued := r.IssuedAt.In(tenant.Zone)
	decided := r.Issuer.At
	if decided.IsZero() {
		decided = r.IssuedAt
	}
	decided = decided.In(tenant.Zone)

	ff, err := fonts()
	if err != nil {
		return nil, fmt.Errorf("documents: render: %w", err)
	}
	pdf := pdfdoc.New()
	pdf.SetMargins(marginLeft, marginTop, marginRight)
	pdf.SetAutoPageBreak(true, marginBottom)
	pdf.AddFont("DejaVu", "", ff[0])
	pdf.AddFont("DejaVu", "B", ff[1])
	pdf.SetInfo(pdfdoc.Info{
		Title:    clean(r.Title),
		Subject:  clean(r.Service),
		Author:   clean(firstNonEmpty(r.Provider, r.City.Name)),
		Creator:  "Hromada",
		Producer: producer,
		Keywords: clean(strings.Join(nonEmpty(r.Number, r.DocumentID.String()), " ")),
		Created:  issued,
		Modified: issued,
	})
	pdf.SetLang("uk-UA")
	pdf.SetXMP(xmp(r, issued))
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-14)
		pdf.SetFont("DejaVu", "", 7.5)
		pdf.SetTextColor(90, 90, 90)
		left := "Ідентифікатор документа: " + r.DocumentID.String()
		pdf.CellFormat(0, 4, left, 0, "L")
		pdf.SetX(marginLeft)
		pdf.CellFormat(0, 4, fmt.Sprintf("Сторінка %d з {nb}", pdf.PageNo()), 1, "R")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	pageW, _ := pdf.GetPageSize()
	width := pageW - marginLeft - marginRight

	// Header: the coat of arms, the city, the provider.
	const coatW, coatH = 18.0, 22.0
	top := pdf.GetY()
	drawCoat(pdf, r.City, marginLeft, top, coatW, coatH)
	textX := marginLeft + coatW + 5
	pdf.SetXY(textX, top+1)
	pdf.SetFont("DejaVu", "B", 13)
	pdf.MultiCell(width-coatW-5, 6, clean(r.City.Name), "L")
	if r.Provider != "" {
		pdf.SetX(textX)
		pdf.SetFont("DejaVu", "", 10.5)
		pdf.MultiCell(width-coatW-5, 5, clean(r.Provider), "L")
	}
	pdf.SetY(max(pdf.GetY(), top+coatH) + 3)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(0.4)
	pdf.Line(marginLeft, pdf.GetY(), marginLeft+width, pdf.GetY())
	pdf.Ln(7)

	// The title, number and date.
	pdf.SetFont("DejaVu", "B", 14)
	pdf.MultiCell(width, 7, clean(r.Title), "C")
	pdf.Ln(1)
	pdf.SetFont("DejaVu", "", 10.5)
	line := "від " + issued.Format("02.01.2006")
	if r.Number != "" {
		line = "№ " + clean(r.Number) + " " + line
	}
	pdf.MultiCell(width, 5.5, line, "C")
	pdf.Ln(6)

	// The applicant, the service, the decision.
	row := func(label, value string, bold bool) {
		if strings.TrimSpace(value) == "" {
			return
		}
		labeledRow(pdf, label, clean(value), bold)
	}
	row("Заявник", r.Applicant.FullName, false)
	row("РНОКПП", r.Applicant.RNOKPP, false)
	if r.Applicant.OrgName != "" || r.Applicant.EDRPOU != "" {
		org := r.Applicant.OrgName
		if r.Applicant.EDRPOU != "" {
			org = strings.TrimSpace(org + ", код ЄДРПОУ " + r.Applicant.EDRPOU)
			org = strings.TrimPrefix(org, ", ")
		}
		row("В інтересах", org, false)
	}
	row("Послуга", r.Service, false)
	row("Рішення", decisionText(r.Decision), true)
	row("Підстави", r.Grounds, false)
	row("Коментар", r.Comment, false)
	appeal(pdf, r.Appeal, width)

	// The facts the result certifies.
	if len(r.Facts) > 0 {
		pdf.Ln(3)
		pdf.SetFont("DejaVu", "B", 11)
		pdf.CellFormat(width, 6, "Відомості", 1, "L")
		pdf.Ln(1)
		factsTable(pdf, r.Facts, width)
	}

	// Who decided and when, the seal, the QR code (seed 003 §5.8).
	pdf.Ln(6)
	_, pageH := pdf.GetPageSize()
	blockH := qrSize + 12
	if pdf.GetY()+blockH > pageH-marginBottom {
		pdf.AddPage()
	}
	blockTop := pdf.GetY()
	pdf.SetLineWidth(0.2)
	pdf.Line(marginLeft, blockTop, marginLeft+width, blockTop)
	pdf.SetY(blockTop + 3)
	textW := width - qrSize - 6
	signRow := func(label, value string) {
		pdf.SetX(marginLeft)
		pdf.SetFont("DejaVu", "B", 9.5)
		pdf.CellFormat(textW, 5, label, 1, "L")
		pdf.SetX(marginLeft)
		pdf.SetFont("DejaVu", "", 9.5)
		pdf.MultiCell(textW, 5, clean(value), "L")
		pdf.Ln(0.8)
	}
	signRow("Дата і час рішення", decided.Format("02.01.2006 15:04")+" (за київським часом)")
	if r.Issuer.Automatic {
		signRow("Рішення прийняла", "Автоматично, без участі посадової особи")
	} else {
		signRow("Посада", firstNonEmpty(r.Issuer.Position, "—"))
		signRow("Прізвище, ім’я, по батькові", firstNonEmpty(r.Issuer.FullName, "—"))
	}
	if r.Issuer.SealHolder != "" {
		signRow("Електронна печатка", r.Issuer.SealHolder)
	}
	drawQR(pdf, qr, marginLeft+width-qrSize, blockTop+2, qrSize)
	pdf.SetY(max(pdf.GetY(), blockTop+2+qrSize) + 2)
	pdf.SetFont("DejaVu", "", 8.5)
	how := "Документ створено в електронній формі та скріплено електронною печаткою; "
	if r.Issuer.SealHolder == "" && !r.Issuer.Automatic {
		how = "Документ створено в електронній формі та підписано кваліфікованим електронним підписом посадової особи; "
	}
	pdf.MultiCell(width, 4.2, how+"підпис вбудовано у файл PDF і додано окремим файлом .p7s. Перевірити справжність документа: "+url, "L")

	out, err = pdf.Output()
	if err != nil {
		return nil, fmt.Errorf("documents: render: %w", err)
	}
	return out, nil
}

// drawCoat draws the city's coat of arms in the box, or, when it cannot,
// a frame with the city's name.
func drawCoat(pdf *pdfdoc.Doc, city City, x, y, w, h float64) {
	if c, err := loadCoat(city.Assets, city.CoatOfArms); err == nil {
		c.draw(pdf, x, y, w, h)
		return
	}
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(0.4)
	pdf.Rect(x, y, w, h, "D")
	pdf.SetFont("DejaVu", "B", 6.5)
	name := clean(firstNonEmpty(city.Name, city.Host))
	lines := pdf.SplitText(name, w-1)
	lh := 3.0
	if len(lines) > int(h/lh) {
		lines = lines[:int(h/lh)]
	}
	pdf.SetXY(x, y+(h-float64(len(lines))*lh)/2)
	for _, l := range lines {
		pdf.SetX(x)
		pdf.CellFormat(w, lh, l, 1, "C")
	}
}

// labeledRow writes "label: value" with the label in a left column and the
// value wrapped in the right one.
func labeledRow(pdf *pdfdoc.Doc, label, value string, bold bool) {
	width := pdfWidth(pdf)
	pdf.SetFont("DejaVu", "B", 10)
	y := pdf.GetY()
	pdf.SetX(marginLeft)
	pdf.CellFormat(labelWidth, 5.5, label, 0, "L")
	style := ""
	if bold {
		style = "B"
	}
	pdf.SetFont("DejaVu", style, 10)
	pdf.SetXY(marginLeft+labelWidth, y)
	pdf.MultiCell(width-labelWidth, 5.5, value, "L")
	pdf.Ln(1.5)
}

// factsTable draws the facts as a bordered two-column table; a row never
// breaks across pages.
func factsTable(pdf *pdfdoc.Doc, facts []Fact, width float64) {
	const lh = 5.0
	keyW := width * 0.42
	valW := width - keyW
	_, pageH := pdf.GetPageSize()
	pdf.SetLineWidth(0.2)
	pdf.SetDrawColor(120, 120, 120)
	for _, f := range facts {
		label, value := clean(f.Label), clean(f.Value)
		if value == "" {
			value = "—"
		}
		pdf.SetFont("DejaVu", "B", 9.5)
		kl := pdf.SplitText(label, keyW)
		pdf.SetFont("DejaVu", "", 9.5)
		vl := pdf.SplitText(value, valW)
		n := max(len(kl), len(vl), 1)
		h := float64(n)*lh + 2
		if pdf.GetY()+h > pageH-marginBottom {
			pdf.AddPage()
		}
		y := pdf.GetY()
		pdf.Rect(marginLeft, y, keyW, h, "D")
		pdf.Rect(marginLeft+keyW, y, valW, h, "D")
		pdf.SetFont("DejaVu", "B", 9.5)
		for i, l := range kl {
			pdf.SetXY(marginLeft, y+1+float64(i)*lh)
			pdf.CellFormat(keyW, lh, l, 0, "L")
		}
		pdf.SetFont("DejaVu", "", 9.5)
		for i, l := range vl {
			pdf.SetXY(marginLeft+keyW, y+1+float64(i)*lh)
			pdf.CellFormat(valW, lh, l, 0, "L")
		}
		pdf.SetXY(marginLeft, y+h)
	}
	pdf.SetDrawColor(0, 0, 0)
}

func pdfWidth(pdf *pdfdoc.Doc) float64 {
	w, _ := pdf.GetPageSize()
	return w - marginLeft - marginRight
}

// appeal writes how to appeal, when the result says it: a framed block
// under the decision, where a person looks for it.
func appeal(pdf *pdfdoc.Doc, a Appeal, width float64) {
	lines := nonEmpty(a.To, a.Terms)
	if a.ComplaintURL != "" {
		lines = append(lines, "Подати скаргу онлайн: "+a.ComplaintURL)
	}
	if len(lines) == 0 {
		return
	}
	pdf.Ln(3)
	pdf.SetFont("DejaVu", "B", 11)
	pdf.CellFormat(width, 6, "Порядок оскарження", 1, "L")
	pdf.SetFont("DejaVu", "", 10)
	for _, l := range lines {
		pdf.MultiCell(width, 5, clean(l), "L")
		pdf.Ln(1)
	}
}

// decisionText writes out the applications' decision codes.
func decisionText(d string) string {
	switch d {
	case "approved":
		return "Надати послугу"
	case "refused":
		return "Відмовити в наданні послуги"
	}
	return d
}

// clean makes text safe for the embedded fonts: characters outside the
// Basic Multilingual Plane (emoji and the like, which the fonts lack and
// which take two UTF-16 units in the ToUnicode map) and control characters other than
// the line feed become "?", and tabs become spaces.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case r == '\r':
			return -1
		case r > 0xFFFF || unicode.IsControl(r) || unicode.Is(unicode.Cs, r) || unicode.Is(unicode.Co, r):
			return '?'
		}
		return r
	}, s)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			out = append(out, v)
		}
	}
	return out
}

// xmp is the document's XMP metadata packet: the same title, author,
// subject and dates as the document information, and the document id, in
// the form archives and PDF/A validators read.
func xmp(r Result, issued time.Time) []byte {
	esc := func(s string) string { return html.EscapeString(clean(s)) }
	date := issued.Format(time.RFC3339)
	var b strings.Builder
	b.WriteString("<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` + "\n")
	b.WriteString(`<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">` + "\n")
	b.WriteString(`<dc:format>application/pdf</dc:format>` + "\n")
	b.WriteString(`<dc:identifier>urn:uuid:` + r.DocumentID.String() + `</dc:identifier>` + "\n")
	b.WriteString(`<dc:title><rdf:Alt><rdf:li xml:lang="x-default">` + esc(r.Title) + `</rdf:li></rdf:Alt></dc:title>` + "\n")
	if a := firstNonEmpty(r.Provider, r.City.Name); a != "" {
		b.WriteString(`<dc:creator><rdf:Seq><rdf:li>` + esc(a) + `</rdf:li></rdf:Seq></dc:creator>` + "\n")
	}
	if r.Service != "" {
		b.WriteString(`<dc:description><rdf:Alt><rdf:li xml:lang="x-default">` + esc(r.Service) + `</rdf:li></rdf:Alt></dc:description>` + "\n")
	}
	b.WriteString(`<dc:language><rdf:Bag><rdf:li>uk-UA</rdf:li></rdf:Bag></dc:language>` + "\n")
	b.WriteString(`<xmp:CreateDate>` + date + `</xmp:CreateDate><xmp:ModifyDate>` + date + `</xmp:ModifyDate>` + "\n")
	b.WriteString(`<xmp:CreatorTool>Hromada</xmp:CreatorTool><pdf:Producer>` + producer + `</pdf:Producer>` + "\n")
	b.WriteString(`</rdf:Description>` + "\n")
	if r.QR != "" {
		// What the QR code encodes (the address and its signed claims), so
		// that a program reads it from the file without decoding the image.
		b.WriteString(`<rdf:Description rdf:about="" xmlns:hromada="https://hromada.gov.ua/ns/document/1.0/"><hromada:qr>` + esc(r.QR) + `</hromada:qr></rdf:Description>` + "\n")
	}
	b.WriteString(`</rdf:RDF></x:xmpmeta>` + "\n")
	b.WriteString(`<?xpacket end="r"?>`)
	return []byte(b.String())
}
