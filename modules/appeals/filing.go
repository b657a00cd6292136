package appeals

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/access"
	"hromada/modules/audit"
	"hromada/modules/catalog"
	"hromada/modules/identity"
	"hromada/modules/notify"
	"hromada/modules/terms"
	"hromada/modules/uploads"
	"hromada/tenant"
)

// Filing (art. 5, 8): a signed-in resident's appeal, with the sign-in's
// identity as its author (the law asks for a name and an address to
// answer; the cabinet is the address). An anonymous one is refused with
// the law's reason. A repeated appeal — the same author, category and
// place or application as one already answered — is refused with the
// reason and a link to the answer; one whose earlier twin is still
// unanswered is filed and linked to it.

// Filing is what a resident files, as typed.
type Filing struct {
	Kind     Kind
	Category string // code
	Body     string
	Address  string
	Lat, Lon string // a point on the map, as the form sends it
	District string
	Public   bool
	// Application is the resident's application whose result a complaint
	// is about (filed from the application's page).
	Application *uuid.UUID
	// Appeal is the resident's answered appeal whose answer a complaint is
	// about (filed from the appeal's page).
	Appeal *uuid.UUID
	// Key makes a double submit one appeal: the form's nonce.
	Key string
}

// Upload is an attached file as the browser sent it.
type Upload struct {
	Name string
	R    io.Reader
}

// FieldErrors maps a field to its message id.
type FieldErrors map[string]string

// Text limits of an appeal.
const (
	minBody       = 10
	maxBody       = 10000
	maxAttach     = 5
	repeatMetres  = 100.0 // two points this close are one place
	forwardDays   = 5     // art. 7: forward within five days
	maxTermDays   = 45    // art. 20
	statementDays = 15
)

// TermOf is an appeal's term by kind (art. 20): a statement, which needs
// no extra study, fifteen days; a proposal or a complaint, a month. Both
// in calendar days, ending on a working day of the city.
func TermOf(k Kind, received time.Time, holidays map[string]bool) time.Time {
	if k == Statement {
		return terms.Due(received, catalog.Term{Days: statementDays}, holidays)
	}
	return terms.DueMonths(received, 1, holidays)
}

// validate checks a filing's own fields; the category and district are
// checked in the transaction.
func (f *Filing) validate() (FieldErrors, *float64, *float64) {
	errs := FieldErrors{}
	f.Body, f.Address, f.District = strings.TrimSpace(f.Body), strings.TrimSpace(f.Address), strings.TrimSpace(f.District)
	if !slices.Contains(Kinds, f.Kind) {
		errs["kind"] = "appeals.error_kind"
	}
	if n := utf8.RuneCountInString(f.Body); n < minBody || n > maxBody {
		errs["body"] = "appeals.error_body"
	}
	lat, lon, ok := point(f.Lat, f.Lon)
	if !ok {
		errs["point"] = "appeals.error_point"
	}
	if (f.Application != nil || f.Appeal != nil) && f.Kind != Complaint {
		errs["kind"] = "appeals.error_kind_complaint"
	}
	return errs, lat, lon
}

// point reads a point typed as the form sends it ("50,45" or "50.45");
// both empty is no point.
func point(lat, lon string) (*float64, *float64, bool) {
	lat, lon = strings.TrimSpace(lat), strings.TrimSpace(lon)
	if lat == "" && lon == "" {
		return nil, nil, true
	}
	la, err1 := strconv.ParseFloat(strings.Replace(lat, ",", ".", 1), 64)
	lo, err2 := strconv.ParseFloat(strings.Replace(lon, ",", ".", 1), 64)
	// Written so that NaN ("NaN" parses) fails too: it compares false.
	if err1 != nil || err2 != nil || !(la >= -90 && la <= 90) || !(lo >= -180 && lo <= 180) {
		return nil, nil, false
	}
	return &la, &lo, true
}

// Refusal is an appeal refused as repeated: the earlier one answered.
type Refusal struct {
	ID     uuid.UUID
	Number string
}

// File files an appeal for the signed-in resident: checked, its files
// stored, numbered, given its term, routed and recorded in one
// transaction, its provider's officials told. Field errors come back with
// nothing stored; ErrAnonymous without a sign-in; ErrRepeated (Args
// Number, ID) for a matter already answered. A second submit with the
// same Key returns the first appeal.
func (s *Service) File(ctx context.Context, f Filing, attach []Upload) (*Appeal, FieldErrors, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return nil, nil, ErrAnonymous
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, nil, err
	}
	errs, lat, lon := f.validate()
	if len(attach) > maxAttach {
		errs["files"] = "appeals.error_files"
	}
	if f.Address == "" && lat == nil && len(errs) == 0 && f.Application == nil && f.Appeal == nil && f.Kind == Complaint {
		// A complaint about a public thing needs its place; one about an
		// application or an answer has that.
		errs["place"] = "appeals.error_place"
	}
	if len(errs) > 0 {
		return nil, errs, nil
	}
	// The same key again: the first appeal, nothing stored twice.
	if prev, err := s.byKey(ctx, sg.AccountID, f.Key); err != nil || prev != nil {
		return prev, nil, err
	}
	// The files first, outside the transaction (the object store is slow);
	// an appeal refused after that leaves objects the store's retention
	// removes, never a row without its file.
	var stored []File
	for _, u := range attach {
		up, err := uploads.Accept(ctx, s.Docs, t.ID, "appeals/"+sg.AccountID.String(), u.Name, u.R,
			uploads.Limits{Types: []string{"application/pdf", "image/jpeg", "image/png"}})
		if err != nil {
			return nil, nil, err
		}
		stored = append(stored, File{Kind: "attachment", Name: up.Name, ContentType: up.ContentType, Size: up.Size, SHA256: up.SHA256, Key: up.Key})
	}
	var out *Appeal
	err = s.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, errs, err = s.file(ctx, tx, sg, f, lat, lon, stored)
		return err
	})
	if len(errs) > 0 {
		return nil, errs, nil
	}
	return out, nil, err
}

func (s *Service) byKey(ctx context.Context, author uuid.UUID, key string) (*Appeal, error) {
	if key == "" {
		return nil, nil
	}
	var out *Appeal
	err := s.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		list, err := appealList(ctx, tx, `a.author_id = $1 AND a.idempotency_key = $2`, author, key)
		if len(list) > 0 {
			out = list[0]
		}
		return err
	})
	return out, err
}

func (s *Service) file(ctx context.Context, tx pgx.Tx, sg *identity.Signed, f Filing, lat, lon *float64, stored []File) (*Appeal, FieldErrors, error) {
	cs, err := categories(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	ci := slices.IndexFunc(cs, func(c Category) bool { return c.Code == f.Category })
	if ci < 0 {
		return nil, FieldErrors{"category": "appeals.error_category"}, nil
	}
	if f.District != "" {
		ds, err := districts(ctx, tx)
		if err != nil {
			return nil, nil, err
		}
		if !slices.ContainsFunc(ds, func(d District) bool { return d.Code == f.District }) {
			return nil, FieldErrors{"district": "appeals.error_district"}, nil
		}
	}
	a := &Appeal{Kind: f.Kind, CategoryID: cs[ci].ID, Category: cs[ci].Name, CategoryCode: cs[ci].Code, AuthorID: sg.AccountID,
		AuthorName: sg.FullName, Body: f.Body, Address: f.Address, Lat: lat, Lon: lon, District: f.District,
		ApplicationID: f.Application, AboutAppeal: f.Appeal, Status: Received, Public: f.Public && cs[ci].Public, ReceivedAt: s.now()}
	if f.Application != nil {
		if err := complaintAbout(ctx, tx, a, sg.AccountID); err != nil {
			return nil, nil, err
		}
	}
	if f.Appeal != nil {
		if err := complaintAboutAnswer(ctx, tx, a, sg.AccountID); err != nil {
			return nil, nil, err
		}
	}
	if err := s.repeated(ctx, tx, a); err != nil {
		return nil, nil, err
	}
	hs, err := catalog.HolidaySet(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	a.DueOn = TermOf(a.Kind, a.ReceivedAt, hs)
	rs, err := rules(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	to := route(rs, a.CategoryID, a.District, a.Body, a.AboutProvider)
	a.ProviderID, a.Unit = to.Provider(), to.Unit()
	if to.Rule != nil {
		a.Provider = to.Rule.Provider
	}
	if a.ID, err = uuid.NewV7(); err != nil {
		return nil, nil, err
	}
	if a.Number, err = nextNumber(ctx, tx, a.ReceivedAt.In(tenant.Zone).Year()); err != nil {
		return nil, nil, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO appeals (tenant_id, id, number, kind, category_id, author_id, author_name, body, address, lat, lon, district,
			provider_id, unit, about_provider_id, about_official_id, application_id, repeated_of, status, public, received_at, due_on, idempotency_key, about_appeal_id)
		VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 'received', $18, $19, $20, $21, $22)`,
		a.ID, a.Number, a.Kind, a.CategoryID, a.AuthorID, a.AuthorName, a.Body, a.Address, a.Lat, a.Lon, a.District,
		a.ProviderID, a.Unit, a.AboutProvider, a.AboutOfficial, a.ApplicationID, a.RepeatedOf, a.Public, a.ReceivedAt, a.DueOn, keyOr(f.Key), a.AboutAppeal)
	if err != nil {
		return nil, nil, fmt.Errorf("appeals: file: %w", err)
	}
	for _, file := range stored {
		if err := addFile(ctx, tx, a.ID, file); err != nil {
			return nil, nil, err
		}
	}
	if err := termChange(ctx, tx, a.ID, "set", nil, a.DueOn, "", &sg.AccountID); err != nil {
		return nil, nil, err
	}
	if err := s.toOfficials(ctx, tx, a, "notify.appeal_new"); err != nil {
		return nil, nil, err
	}
	return a, nil, s.event(ctx, tx, "file", a, map[string]any{"routed": a.ProviderID != nil})
}

// keyOr is the form's key, or a fresh one for a caller without one.
func keyOr(k string) string {
	if k == "" {
		return uuid.NewString()
	}
	return k
}

// complaintAbout links a complaint to the resident's own decided
// application: it is about that application's provider and the official
// who decided it.
func complaintAbout(ctx context.Context, tx pgx.Tx, a *Appeal, author uuid.UUID) error {
	err := tx.QueryRow(ctx, `SELECT provider_id, decided_by FROM applications
		WHERE id = $1 AND applicant_id = $2 AND status NOT IN ('draft', 'signed')`, *a.ApplicationID, author).Scan(&a.AboutProvider, &a.AboutOfficial)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotYours
	}
	if err != nil {
		return fmt.Errorf("appeals: the application complained about: %w", err)
	}
	return nil
}

// complaintAboutAnswer links a complaint to the resident's own answered
// appeal: it is about the provider that answered and the official who
// signed the answer, so it never goes to them (art. 7; the table's
// appeals_not_to_subject holds it whatever writes the row).
func complaintAboutAnswer(ctx context.Context, tx pgx.Tx, a *Appeal, author uuid.UUID) error {
	err := tx.QueryRow(ctx, `SELECT provider_id, answered_by FROM appeals
		WHERE id = $1 AND author_id = $2 AND status = 'answered'`, *a.AboutAppeal, author).Scan(&a.AboutProvider, &a.AboutOfficial)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotAnswered
	}
	if err != nil {
		return fmt.Errorf("appeals: the answer complained about: %w", err)
	}
	return nil
}

// repeated finds the author's earlier appeal on the same matter: the same
// category and the same application, or the same place (a point within
// repeatMetres, or the same address). Answered: ErrRepeated; still open:
// the new one is linked to it.
func (s *Service) repeated(ctx context.Context, tx pgx.Tx, a *Appeal) error {
	earlier, err := appealList(ctx, tx, `a.author_id = $1 AND a.category_id = $2`, a.AuthorID, a.CategoryID)
	if err != nil {
		return err
	}
	for _, e := range earlier {
		if !sameMatter(e, a) {
			continue
		}
		if e.Status == Answered {
			return ErrRepeated.With(map[string]any{"Number": e.Number, "ID": e.ID.String()})
		}
		if a.RepeatedOf == nil {
			a.RepeatedOf = &e.ID
		}
	}
	return nil
}

func sameMatter(e, a *Appeal) bool {
	switch {
	case a.AboutAppeal != nil || e.AboutAppeal != nil:
		return a.AboutAppeal != nil && e.AboutAppeal != nil && *a.AboutAppeal == *e.AboutAppeal
	case a.ApplicationID != nil || e.ApplicationID != nil:
		return a.ApplicationID != nil && e.ApplicationID != nil && *a.ApplicationID == *e.ApplicationID
	case a.Lat != nil && e.Lat != nil:
		return metres(*a.Lat, *a.Lon, *e.Lat, *e.Lon) <= repeatMetres
	case a.Address != "" && e.Address != "":
		return strings.EqualFold(strings.Join(strings.Fields(a.Address), " "), strings.Join(strings.Fields(e.Address), " "))
	}
	return strings.EqualFold(strings.TrimSpace(a.Body), strings.TrimSpace(e.Body))
}

// metres is the distance between two points (haversine).
func metres(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371000.0
	rad := math.Pi / 180
	dl, dn := (lat2-lat1)*rad, (lon2-lon1)*rad
	h := math.Sin(dl/2)*math.Sin(dl/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dn/2)*math.Sin(dn/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}

// toOfficials tells the officials of the appeal's provider (the
// dispatchers while it has none) of work in their competence.
func (s *Service) toOfficials(ctx context.Context, tx pgx.Tx, a *Appeal, key string) error {
	n := notify.Notice{Kind: notify.KindNewWork, Key: key, Args: map[string]any{"Number": a.Number, "Category": a.Category.UK,
		"Link": "/work/appeals/" + a.ID.String()}}
	if a.ProviderID != nil {
		return s.Notify.Officials(ctx, tx, *a.ProviderID, n)
	}
	return s.toRole(ctx, tx, access.RoleDispatcher, n)
}

// toRole tells every holder of a tenant-wide role (the dispatchers).
func (s *Service) toRole(ctx context.Context, tx pgx.Tx, role string, n notify.Notice) error {
	ids, err := access.HoldersTx(ctx, tx, role, s.now())
	if err != nil {
		return err
	}
	for _, id := range ids {
		n.Account = id
		if _, err := s.Notify.Post(ctx, tx, n); err != nil {
			return err
		}
	}
	return nil
}

// toResident tells the appeal's author.
func (s *Service) toResident(ctx context.Context, tx pgx.Tx, a *Appeal, key string, args map[string]any) error {
	if args == nil {
		args = map[string]any{}
	}
	args["Number"], args["Link"] = a.Number, "/cabinet/appeals/"+a.ID.String()
	_, err := s.Notify.Post(ctx, tx, notify.Notice{Account: a.AuthorID, Kind: notify.KindStatus, Key: key, Args: args})
	return err
}

// event records an action on an appeal in the audit log, in its
// transaction.
func (s *Service) event(ctx context.Context, tx pgx.Tx, action string, a *Appeal, more map[string]any) error {
	who := audit.Actor{Role: audit.RoleAutomatic}
	if sg := identity.SignedFrom(ctx); sg != nil {
		who = audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName}
	}
	details := map[string]any{"number": a.Number, "kind": string(a.Kind), "status": string(a.Status)}
	for k, v := range more {
		details[k] = v
	}
	_, err := s.Audit.Record(ctx, tx, audit.Event{Actor: who, Action: "appeal." + action, ObjectType: "appeal", ObjectID: a.ID.String(), Details: details})
	return err
}
