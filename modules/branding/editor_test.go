package branding_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/png"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/audit"
	"hromada/modules/branding"
	"hromada/modules/identity"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// editor is one test's two cities and a dispatcher of the first.
type editor struct {
	db         *tenanttest.DB
	svc        *branding.Service
	kyiv, lviv *tenant.Tenant
	ctx        context.Context // Kyiv, signed in
	jobs       int
}

func newEditor(t *testing.T) *editor {
	t.Helper()
	db := tenanttest.New(t)
	e := &editor{db: db, kyiv: tenanttest.NewTenant(t, db), lviv: tenanttest.NewTenant(t, db)}
	log := slog.New(slog.DiscardHandler)
	e.svc = branding.NewService(db.App, log).Editing(branding.EditOptions{Audit: audit.New(db.App, log),
		Insert: func(context.Context, pgx.Tx, tenant.JobArgs) error { e.jobs++; return nil }})
	ctx := tenant.With(t.Context(), e.kyiv)
	id := uuid.New()
	require.NoError(t, db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO accounts (tenant_id, id, rnokpp, full_name) VALUES (app_tenant_id(), $1, '3184710691', 'Олена Диспетчер')`, id)
		return err
	}))
	e.ctx = identity.WithSigned(ctx, &identity.Signed{AccountID: id, FullName: "Олена Диспетчер"})
	return e
}

func (e *editor) count(t *testing.T, sql string) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error { return tx.QueryRow(ctx, sql).Scan(&n) }))
	return n
}

func validForm() branding.Form {
	return branding.Form{NameUK: "Київ", NameEN: "Kyiv", TaglineUK: "Портал послуг", Primary: "#1D4F91", Accent: "#ffd500",
		Phone: "+380 44 202 00 00", Hotline: "1551", Email: "kontakt@kyivcity.gov.ua", Website: "https://kyivcity.gov.ua",
		AddressUK: "вул. Хрещатик, 36"}
}

// Every wrong field is named at once and nothing is written; a good form
// is written once (a double submit changes nothing and records nothing),
// only for the city in the transaction, with its theme's render asked for
// and one audit record naming the fields changed.
func TestSaveBranding(t *testing.T) {
	t.Parallel()
	e := newEditor(t)
	lvivBefore := e.lviv.Branding

	bad := branding.Form{NameUK: " ", Primary: "blue", Accent: "#ffd500", Phone: "дзвоніть", Hotline: "15", Email: "Олена <o@k.ua>",
		Website: "http://kyivcity.gov.ua", TaglineEN: strings.Repeat("x", 121)}
	_, err := e.svc.Save(e.ctx, &bad)
	var errs branding.FieldErrors
	require.True(t, errors.As(err, &errs), "%v", err)
	for _, f := range []string{"name_uk", "primary", "phone", "hotline", "email", "website", "tagline_en"} {
		require.Contains(t, errs, f)
	}
	require.Len(t, errs, 7)
	require.Zero(t, e.count(t, `SELECT count(*) FROM audit_events WHERE action LIKE 'tenant.branding.%'`))

	f := validForm()
	changed, err := e.svc.Save(e.ctx, &f)
	require.NoError(t, err)
	require.True(t, changed)
	f = validForm()
	changed, err = e.svc.Save(e.ctx, &f)
	require.NoError(t, err)
	require.False(t, changed, "a double submit changes nothing")
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM audit_events WHERE action = 'tenant.branding.update'`))
	require.Equal(t, 1, e.jobs, "the theme is rendered again once")

	b, err := e.svc.Current(e.ctx)
	require.NoError(t, err)
	require.Equal(t, "Київ", b.DisplayName.UK)
	require.Equal(t, "#1d4f91", b.PrimaryColor, "colours are kept in lower case")
	require.Equal(t, "1551", b.Contacts.Hotline)
	require.Equal(t, "вул. Хрещатик, 36", b.Contacts.Address.UK)

	// Lviv's row is untouched.
	var lviv tenant.Branding
	require.NoError(t, e.db.Owner.QueryRow(t.Context(), `SELECT branding FROM tenants WHERE id = $1`, e.lviv.ID).Scan(&lviv))
	require.Equal(t, lvivBefore, lviv)

	// Only the colours move the theme: a new phone asks for no render.
	f = validForm()
	f.Phone = "+380 44 202 00 01"
	_, err = e.svc.Save(e.ctx, &f)
	require.NoError(t, err)
	require.Equal(t, 1, e.jobs)
}

// The app role writes a city's branding only through the function, and
// only its own city's.
func TestBrandingWrittenOnlyForTheOwnCity(t *testing.T) {
	t.Parallel()
	e := newEditor(t)
	err := e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE tenants SET branding = '{"display_name":{"uk":"x"}}' WHERE id = $1`, e.lviv.ID)
		return err
	})
	require.ErrorContains(t, err, "42501", "no direct UPDATE of tenants")
	err = e.db.App.Pool().QueryRow(t.Context(), `SELECT tenant_branding_set('{"display_name":{"uk":"x"}}')`).Scan(new(any))
	require.ErrorContains(t, err, "no tenant", "outside a city's transaction it refuses")
	err = e.db.App.Tx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT tenant_branding_set('"x"')`)
		return err
	})
	require.ErrorContains(t, err, "not a branding")
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))))
	return b.Bytes()
}

// icoOf is an ICO file of one w×h PNG image.
func icoOf(t *testing.T, w, h int) []byte {
	t.Helper()
	p := pngOf(t, w, h)
	var b bytes.Buffer
	_ = binary.Write(&b, binary.LittleEndian, []uint16{0, 1, 1})
	b.Write([]byte{byte(w), byte(h), 0, 0})
	_ = binary.Write(&b, binary.LittleEndian, []uint16{1, 32})
	_ = binary.Write(&b, binary.LittleEndian, []uint32{uint32(len(p)), 22})
	b.Write(p)
	return b.Bytes()
}

// Images are judged by their bytes: type, size and sides; a good one
// becomes the branding's versioned path and is served back as uploaded;
// the same file again changes nothing; removing it clears the path.
func TestImages(t *testing.T) {
	t.Parallel()
	e := newEditor(t)
	for _, c := range []struct {
		name, kind string
		data       []byte
		want       error
	}{
		{"text", branding.Logo, []byte("<svg xmlns='http://www.w3.org/2000/svg'/>"), branding.ErrImageType},
		{"too small", branding.Logo, pngOf(t, 8, 8), branding.ErrImageDimensions},
		{"too wide", branding.Logo, pngOf(t, 2000, 40), branding.ErrImageDimensions},
		{"too large", branding.Favicon, append(pngOf(t, 32, 32), make([]byte, 70<<10)...), branding.ErrImageSize},
		{"an ICO as the emblem", branding.Logo, icoOf(t, 32, 32), branding.ErrImageType},
		{"a broken ICO", branding.Favicon, icoOf(t, 32, 32)[:30], branding.ErrImageType},
	} {
		_, err := e.svc.SaveImage(e.ctx, c.kind, c.data)
		require.ErrorIs(t, err, c.want, c.name)
	}
	require.Zero(t, e.count(t, `SELECT count(*) FROM branding_images`))

	logo := pngOf(t, 64, 80)
	changed, err := e.svc.SaveImage(e.ctx, branding.Logo, logo)
	require.NoError(t, err)
	require.True(t, changed)
	changed, err = e.svc.SaveImage(e.ctx, branding.Logo, logo)
	require.NoError(t, err)
	require.False(t, changed, "the same file again")
	_, err = e.svc.SaveImage(e.ctx, branding.Favicon, icoOf(t, 32, 32))
	require.NoError(t, err)

	b, err := e.svc.Current(e.ctx)
	require.NoError(t, err)
	require.Regexp(t, `^/branding/logo\?v=[0-9a-f]{12}$`, b.CoatOfArms)
	require.Regexp(t, `^/branding/favicon\?v=[0-9a-f]{12}$`, b.Favicon)
	got, err := e.svc.Image(e.ctx, branding.Logo)
	require.NoError(t, err)
	require.Equal(t, logo, got.Bytes)
	require.Equal(t, "image/png", got.ContentType)
	require.Equal(t, [2]int{64, 80}, [2]int{got.Width, got.Height})
	fav, err := e.svc.Image(e.ctx, branding.Favicon)
	require.NoError(t, err)
	require.Equal(t, "image/x-icon", fav.ContentType)

	// Lviv has none of Kyiv's.
	_, err = e.svc.Image(tenant.With(t.Context(), e.lviv), branding.Logo)
	require.ErrorIs(t, err, branding.ErrNoImage)

	changed, err = e.svc.RemoveImage(e.ctx, branding.Logo)
	require.NoError(t, err)
	require.True(t, changed)
	b, err = e.svc.Current(e.ctx)
	require.NoError(t, err)
	require.Empty(t, b.CoatOfArms)
	_, err = e.svc.Image(e.ctx, branding.Logo)
	require.ErrorIs(t, err, branding.ErrNoImage)
	require.Equal(t, 3, e.count(t, `SELECT count(*) FROM audit_events WHERE action LIKE 'tenant.branding.image%'`))
}

// The contrast table says where the theme darkened a chosen colour.
func TestChecks(t *testing.T) {
	t.Parallel()
	dark := branding.Checks(tenant.Branding{PrimaryColor: "#1d4f91", AccentColor: "#0b3d91"})
	for _, c := range dark {
		require.False(t, c.Adjusted, c.Where)
		require.GreaterOrEqual(t, c.Ratio, c.Need, c.Where)
	}
	light := branding.Checks(tenant.Branding{PrimaryColor: "#ffd500", AccentColor: "#ffff00"})
	require.Equal(t, "links", light[1].Where)
	require.True(t, light[1].Adjusted)
	require.NotEqual(t, "#ffd500", light[1].Used)
	for _, c := range light {
		require.GreaterOrEqual(t, c.Ratio, c.Need, c.Where)
	}
}
