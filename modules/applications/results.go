package applications

import (
	"context"
	"io/fs"
	"net/url"

	"github.com/google/uuid"

	"hromada/modules/documents"
)

// DocumentResults are the pipeline's Results made by modules/documents:
// the PDF rendered with the city's coat of arms (read from Assets) and
// sealed with the provider's seal.
type DocumentResults struct {
	Docs   *documents.Service
	Assets fs.FS
}

// Render implements Results: a result Hromada issues names the seal's
// holder; an official's decision names the official.
func (r *DocumentResults) Render(ctx context.Context, d ResultData) ([]byte, error) {
	issuer := documents.Issuer{Position: d.Position, FullName: d.FullName, At: d.DecidedAt}
	if d.FullName == "" {
		holder, err := r.Docs.Holder(ctx, d.ProviderID)
		if err != nil {
			return nil, err
		}
		issuer = documents.Issuer{Automatic: true, SealHolder: holder, At: d.IssuedAt}
	}
	res := documents.Result{DocumentID: d.DocumentID, Title: d.Title, Number: d.Number, IssuedAt: d.IssuedAt,
		City:     documents.City{Name: d.City, CoatOfArms: d.CoatOfArms, Assets: r.Assets},
		Provider: d.Provider, Applicant: documents.Applicant{FullName: d.Applicant, RNOKPP: d.RNOKPP, EDRPOU: d.EDRPOU, OrgName: d.OrgName},
		Service: d.Service, Decision: d.Decision, Grounds: d.Grounds, Comment: d.Comment,
		Appeal:    documents.Appeal{To: d.AppealTo, Terms: d.AppealTerms, ComplaintURL: d.ComplaintURL},
		Issuer:    issuer,
		VerifyURL: d.VerifyURL}
	for _, f := range d.Facts {
		res.Facts = append(res.Facts, documents.Fact{Label: f[0], Value: f[1]})
	}
	// The QR code carries the result's facts signed with the seal that
	// seals the PDF, to verify offline (documents.VerifyQR). An ECDSA
	// signature differs each time, so a render retried before its seal
	// was kept gives other bytes: harmless, as nothing of the first was
	// stored (sealResult keeps the sealed result before anything uses it).
	if res.VerifyURL != "" {
		qr, err := r.Docs.QRToken(ctx, d.ProviderID, res, res.VerifyURL)
		if err != nil {
			return nil, err
		}
		res.QR = qr
	}
	return documents.Render(res)
}

// Seal implements Results.
func (r *DocumentResults) Seal(ctx context.Context, provider uuid.UUID, pdf []byte) ([]byte, []byte, string, error) {
	return r.Docs.Seal(ctx, provider, pdf)
}

// complaintURL is where the applicant files a complaint about the
// application's result: the appeals' form for it (the application page's
// complaint link), on the portal the verification URL is on — the one
// address of the city's portal the documents already know.
func complaintURL(verify string, app uuid.UUID) string {
	u, err := url.Parse(verify)
	if err != nil || u.Host == "" {
		return ""
	}
	u.Path, u.RawQuery, u.Fragment = "/appeals/new", "application="+app.String(), ""
	return u.String()
}
