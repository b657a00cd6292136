package branding

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"image"
	_ "image/jpeg" // the emblem may be a JPEG
	_ "image/png"  // or a PNG
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/modules/identity"
	"hromada/tenant"
)

// The city's dispatcher edits what residents see of the city (issue 12;
// seed 003 §4.4): its name and tagline, colours, contacts, emblem and
// favicon. The platform's operator set them when the city was created; the
// city keeps them up to date itself from then on.

// EditOptions are what editing needs beside reading themes.
type EditOptions struct {
	Audit *audit.Service
	// Insert puts a job in the editing transaction (the theme's render).
	Insert func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error
}

// Editing returns s able to save branding changes.
func (s *Service) Editing(o EditOptions) *Service {
	s.audit, s.insert = o.Audit, o.Insert
	return s
}

// Form is the branding as typed in the editor.
type Form struct {
	NameUK, NameEN, TaglineUK, TaglineEN string
	Primary, Accent                      string
	Phone, Hotline, Email, Website       string
	AddressUK, AddressEN                 string
}

// FormOf is b as the editor shows it.
func FormOf(b tenant.Branding) Form {
	return Form{NameUK: b.DisplayName.UK, NameEN: b.DisplayName.EN, TaglineUK: b.Tagline.UK, TaglineEN: b.Tagline.EN,
		Primary: orDefault(b.PrimaryColor, DefaultPrimary), Accent: orDefault(b.AccentColor, DefaultAccent),
		Phone: b.Contacts.Phone, Hotline: b.Contacts.Hotline, Email: b.Contacts.Email, Website: b.Contacts.Website,
		AddressUK: b.Contacts.Address.UK, AddressEN: b.Contacts.Address.EN}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// FieldErrors are a form's errors by field.
type FieldErrors map[string]*apperr.Error

func (e FieldErrors) Error() string { return "branding: the form has errors" }

var (
	errRequired = apperr.New(apperr.Invalid, "branding.error.required")
	errTooLong  = apperr.New(apperr.Invalid, "branding.error.too_long")
	errColor    = apperr.New(apperr.Invalid, "branding.error.color")
	errPhone    = apperr.New(apperr.Invalid, "branding.error.phone")
	errHotline  = apperr.New(apperr.Invalid, "branding.error.hotline")
	errEmail    = apperr.New(apperr.Invalid, "branding.error.email")
	errWebsite  = apperr.New(apperr.Invalid, "branding.error.website")

	// ErrImageType, ErrImageSize and ErrImageDimensions refuse an upload.
	ErrImageType       = apperr.New(apperr.Invalid, "branding.error.image_type")
	ErrImageSize       = apperr.New(apperr.Invalid, "branding.error.image_size")
	ErrImageDimensions = apperr.New(apperr.Invalid, "branding.error.image_dimensions")
	errNoFile          = apperr.New(apperr.Invalid, "branding.error.no_file")
	// ErrNoImage is an image asked for that the city has not uploaded.
	ErrNoImage = apperr.New(apperr.NotFound, "error.not_found")
)

var (
	colorRE   = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	phoneRE   = regexp.MustCompile(`^\+?[0-9 ()-]{5,20}$`)
	hotlineRE = regexp.MustCompile(`^[0-9]{3,6}$`)
)

// branding is f over old: the images stay old's. Every field is checked,
// and all that are wrong are named at once.
func (f *Form) branding(old tenant.Branding) (tenant.Branding, FieldErrors) {
	errs := FieldErrors{}
	trim := func(p *string) { *p = strings.TrimSpace(*p) }
	for _, p := range []*string{&f.NameUK, &f.NameEN, &f.TaglineUK, &f.TaglineEN, &f.Primary, &f.Accent, &f.Phone, &f.Hotline, &f.Email, &f.Website, &f.AddressUK, &f.AddressEN} {
		trim(p)
	}
	limit := func(field, v string, max int) {
		if utf8.RuneCountInString(v) > max {
			errs[field] = errTooLong.With(map[string]any{"Max": max})
		}
	}
	if f.NameUK == "" {
		errs["name_uk"] = errRequired
	}
	limit("name_uk", f.NameUK, 80)
	limit("name_en", f.NameEN, 80)
	limit("tagline_uk", f.TaglineUK, 120)
	limit("tagline_en", f.TaglineEN, 120)
	limit("address_uk", f.AddressUK, 200)
	limit("address_en", f.AddressEN, 200)
	for field, v := range map[string]*string{"primary": &f.Primary, "accent": &f.Accent} {
		if !colorRE.MatchString(*v) {
			errs[field] = errColor
		}
		*v = strings.ToLower(*v)
	}
	if f.Phone != "" && !phoneRE.MatchString(f.Phone) {
		errs["phone"] = errPhone
	}
	if f.Hotline != "" && !hotlineRE.MatchString(f.Hotline) && !phoneRE.MatchString(f.Hotline) {
		errs["hotline"] = errHotline
	}
	if f.Email != "" {
		if a, err := mail.ParseAddress(f.Email); err != nil || a.Address != f.Email || a.Name != "" {
			errs["email"] = errEmail
		}
	}
	if f.Website != "" {
		if u, err := url.Parse(f.Website); err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
			errs["website"] = errWebsite
		}
	}
	if len(errs) > 0 {
		return old, errs
	}
	b := old
	b.DisplayName = tenant.Text{UK: f.NameUK, EN: f.NameEN}
	b.Tagline = tenant.Text{UK: f.TaglineUK, EN: f.TaglineEN}
	b.PrimaryColor, b.AccentColor = f.Primary, f.Accent
	b.Contacts = tenant.Contacts{Phone: f.Phone, Hotline: f.Hotline, Email: f.Email, Website: f.Website,
		Address: tenant.Text{UK: f.AddressUK, EN: f.AddressEN}}
	return b, nil
}

// Current is the branding of the tenant in ctx as stored now (the Host
// lookup's copy may be a moment old).
func (s *Service) Current(ctx context.Context) (tenant.Branding, error) {
	var b tenant.Branding
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		b, err = current(ctx, tx)
		return err
	})
	return b, err
}

// Save makes f the city's branding; false when it changes nothing (a
// double submit). Audited with the fields changed; the theme is rendered
// again by its job, and this process's Host lookup forgets the city at
// once (tenant.Changed), so the next page already shows the change.
func (s *Service) Save(ctx context.Context, f *Form) (bool, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return false, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	changed := false
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		old, err := currentForUpdate(ctx, tx)
		if err != nil {
			return err
		}
		next, errs := f.branding(old)
		if errs != nil {
			return errs
		}
		fields := changedFields(old, next)
		if len(fields) == 0 {
			return nil
		}
		changed = true
		return s.write(ctx, tx, sg, old, next, "update", map[string]any{"fields": fields,
			"primary_color": next.PrimaryColor, "accent_color": next.AccentColor})
	})
	return changed, err
}

// write stores next and what goes with it, in tx; action is the audit
// record's last word (tenant.branding.<action>).
func (s *Service) write(ctx context.Context, tx pgx.Tx, sg *identity.Signed, old, next tenant.Branding, action string, details map[string]any) error {
	if err := setBranding(ctx, tx, next); err != nil {
		return err
	}
	tenant.Changed(ctx, tenant.ChangeChannel)
	if SourceHash(old) != SourceHash(next) && s.insert != nil {
		env, err := tenant.EnvelopeFrom(ctx)
		if err != nil {
			return err
		}
		if err := s.insert(ctx, tx, RefreshArgs{Envelope: env}); err != nil {
			return err
		}
	}
	if s.audit == nil {
		return nil
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return err
	}
	_, err = s.audit.Record(ctx, tx, audit.Event{Actor: audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName},
		Action: "tenant.branding." + action, ObjectType: "tenant", ObjectID: t.Slug, Details: details})
	return err
}

// changedFields names the form's fields whose values differ between a and b.
func changedFields(a, b tenant.Branding) []string {
	fa, fb := FormOf(a), FormOf(b)
	var out []string
	for _, c := range []struct {
		name string
		x, y string
	}{{"name_uk", fa.NameUK, fb.NameUK}, {"name_en", fa.NameEN, fb.NameEN}, {"tagline_uk", fa.TaglineUK, fb.TaglineUK},
		{"tagline_en", fa.TaglineEN, fb.TaglineEN}, {"primary", a.PrimaryColor, b.PrimaryColor}, {"accent", a.AccentColor, b.AccentColor},
		{"phone", fa.Phone, fb.Phone}, {"hotline", fa.Hotline, fb.Hotline}, {"email", fa.Email, fb.Email}, {"website", fa.Website, fb.Website},
		{"address_uk", fa.AddressUK, fb.AddressUK}, {"address_en", fa.AddressEN, fb.AddressEN}} {
		if c.x != c.y {
			out = append(out, c.name)
		}
	}
	return out
}

// Image kinds.
const (
	Logo    = "logo"
	Favicon = "favicon"
)

// limits of an uploaded image by kind: bytes, and the side in pixels.
var imageLimits = map[string]struct {
	bytes         int
	minSide, side int
	types         []string
}{
	Logo:    {bytes: 256 << 10, minSide: 32, side: 1024, types: []string{"image/png", "image/jpeg"}},
	Favicon: {bytes: 64 << 10, minSide: 16, side: 512, types: []string{"image/png", "image/x-icon"}},
}

// Image is an uploaded emblem or favicon.
type Image struct {
	Kind, ContentType, SHA256 string
	Bytes                     []byte
	Width, Height             int
}

// judge checks data as an image of kind by its bytes, never its name.
func judge(kind string, data []byte) (*Image, error) {
	lim, ok := imageLimits[kind]
	if !ok {
		return nil, ErrNoImage
	}
	if len(data) > lim.bytes {
		return nil, ErrImageSize.With(map[string]any{"KB": lim.bytes >> 10})
	}
	img := &Image{Kind: kind, Bytes: data}
	switch ct := http.DetectContentType(data); ct {
	case "image/png", "image/jpeg":
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return nil, ErrImageType
		}
		img.ContentType, img.Width, img.Height = ct, cfg.Width, cfg.Height
	case "image/x-icon":
		w, h, ok := icoSize(data)
		if !ok {
			return nil, ErrImageType
		}
		img.ContentType, img.Width, img.Height = ct, w, h
	default:
		return nil, ErrImageType
	}
	allowed := false
	for _, t := range lim.types {
		allowed = allowed || t == img.ContentType
	}
	if !allowed {
		return nil, ErrImageType
	}
	if img.Width < lim.minSide || img.Height < lim.minSide || img.Width > lim.side || img.Height > lim.side {
		return nil, ErrImageDimensions.With(map[string]any{"Min": lim.minSide, "Max": lim.side})
	}
	sum := sha256.Sum256(data)
	img.SHA256 = hex.EncodeToString(sum[:])
	return img, nil
}

// icoSize reads an ICO file's first image's size (ICONDIR, ICONDIRENTRY;
// 0 means 256) and checks that the file holds the entries it announces.
func icoSize(b []byte) (int, int, bool) {
	if len(b) < 6+16 || binary.LittleEndian.Uint16(b[0:]) != 0 || binary.LittleEndian.Uint16(b[2:]) != 1 {
		return 0, 0, false
	}
	n := int(binary.LittleEndian.Uint16(b[4:]))
	if n == 0 || len(b) < 6+16*n {
		return 0, 0, false
	}
	side := func(v byte) int {
		if v == 0 {
			return 256
		}
		return int(v)
	}
	size, offset := binary.LittleEndian.Uint32(b[6+8:]), binary.LittleEndian.Uint32(b[6+12:])
	if uint64(offset)+uint64(size) > uint64(len(b)) {
		return 0, 0, false
	}
	return side(b[6]), side(b[7]), true
}

// SaveImage makes data the city's emblem (Logo) or favicon; false when it
// is the one already there. The branding names it by a versioned path, so
// browsers that kept the old one fetch the new.
func (s *Service) SaveImage(ctx context.Context, kind string, data []byte) (bool, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return false, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	img, err := judge(kind, data)
	if err != nil {
		return false, err
	}
	changed := false
	err = s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		old, err := currentForUpdate(ctx, tx)
		if err != nil {
			return err
		}
		next := old
		path := ImagePath(kind, img.SHA256)
		if kind == Logo {
			next.CoatOfArms = path
		} else {
			next.Favicon = path
		}
		if next == old {
			return nil
		}
		changed = true
		if err := putImage(ctx, tx, img, sg.AccountID); err != nil {
			return err
		}
		return s.write(ctx, tx, sg, old, next, "image", map[string]any{"kind": kind,
			"sha256": img.SHA256, "content_type": img.ContentType, "width": img.Width, "height": img.Height})
	})
	return changed, err
}

// RemoveImage takes the city's emblem or favicon away (the favicon falls
// back to the emblem, the emblem to none); false when there was none.
func (s *Service) RemoveImage(ctx context.Context, kind string) (bool, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return false, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	if _, ok := imageLimits[kind]; !ok {
		return false, ErrNoImage
	}
	changed := false
	err := s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		old, err := currentForUpdate(ctx, tx)
		if err != nil {
			return err
		}
		next := old
		if kind == Logo {
			next.CoatOfArms = ""
		} else {
			next.Favicon = ""
		}
		if next == old {
			return nil
		}
		changed = true
		if err := deleteImage(ctx, tx, kind); err != nil {
			return err
		}
		return s.write(ctx, tx, sg, old, next, "image_removed", map[string]any{"kind": kind})
	})
	return changed, err
}

// ImagePath is where the image of kind with sha256 is served.
func ImagePath(kind, sha string) string { return "/branding/" + kind + "?v=" + sha[:12] }

// Image is the city's uploaded image of kind.
func (s *Service) Image(ctx context.Context, kind string) (*Image, error) {
	if _, ok := imageLimits[kind]; !ok {
		return nil, ErrNoImage
	}
	var img *Image
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		img, err = imageOf(ctx, tx, kind)
		return err
	})
	return img, err
}
