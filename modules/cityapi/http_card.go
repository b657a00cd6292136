package cityapi

import (
	"html"
	"net/http"
	"regexp"
	"strconv"

	"hromada/modules/documents"
	"hromada/tenant"
)

// xmpQR is the QR code's text as the sealed PDF keeps it in its XMP
// (documents.Result.QR): the card shows the very code printed.
var xmpQR = regexp.MustCompile(`<hromada:qr>([^<]+)</hromada:qr>`)

// apiDocumentCard is GET /api/v1/documents/{id}/card.png: the result's
// visual form for a phone screen, a PNG card of its essential facts and
// its QR code (documents.RenderCard). It is drawn from the sealed PDF's
// own QR text, so the code on the screen verifies as the printed one.
func (h *HTTP) apiDocumentCard(w http.ResponseWriter, r *http.Request) {
	it, ok := h.issuedByID(w, r)
	if !ok {
		return
	}
	if notModified(w, r, `"card-`+it.pdf.SHA256+`"`) {
		return
	}
	pdf, err := h.apps.Download(r.Context(), it.pdf)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	qr := r.Host // an older result without signed claims: its page's address
	if m := xmpQR.FindSubmatch(pdf); m != nil {
		qr = html.UnescapeString(string(m[1]))
	} else {
		qr = "https://" + qr + it.doc.VerifyURL
	}
	_, o, err := h.signedOwner(r)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	app, err := h.apps.Own(r.Context(), o, it.doc.ApplicationID)
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	city := ""
	if t, err := tenant.From(r.Context()); err == nil {
		city = t.Name
	}
	b, err := documents.RenderCard(documents.Card{City: city, Title: it.doc.Title, Number: it.doc.Number,
		Issued: it.doc.IssuedAt.In(tenant.Zone).Format("02.01.2006"), Provider: app.ProviderName.UK, Applicant: app.Applicant,
		Status: "Надано", QR: qr})
	if err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}
