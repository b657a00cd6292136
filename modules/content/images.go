package content

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/modules/docstore"
	"hromada/modules/identity"
	"hromada/modules/uploads"
	"hromada/tenant"
)

// Images of the news and pages: the dispatcher uploads one with its alt
// text (required: a screen reader reads it instead), and puts it in a
// body by its Markdown reference, ![alt](/news/images/<id>). The file is
// kept in the document store in the city's space and served by the portal
// itself, since the Content-Security-Policy takes images from the portal's
// own origin only; a body may show no other image (imagesOf, Render).

// ImageMaxBytes bounds an image: a photo for the web, not a camera's
// original.
const ImageMaxBytes int64 = 2 << 20

// imageLimits are what an image may be: PNG, JPEG or WebP (judged by the
// bytes), up to ImageMaxBytes.
var imageLimits = uploads.Limits{MaxBytes: ImageMaxBytes, Types: []string{"image/png", "image/jpeg", "image/webp"}, Class: docstore.ClassAttachment}

// ImagePath is where the portal serves images; a body's image reference
// must start so.
const ImagePath = "/news/images/"

// Image is an uploaded image.
type Image struct {
	ID          uuid.UUID
	Alt         string
	FileName    string
	ContentType string
	Size        int64
	CreatedAt   time.Time
	key, sha256 string
}

// URL is the image's address on the portal.
func (i Image) URL() string { return ImagePath + i.ID.String() }

// Markdown is the reference a body shows the image by, its alt text in
// the brackets.
func (i Image) Markdown() string {
	alt := strings.NewReplacer(`\`, `\\`, `[`, `\[`, `]`, `\]`).Replace(i.Alt)
	return "![" + alt + "](" + i.URL() + ")"
}

// ImageForm is the upload's fields besides the file.
type ImageForm struct {
	ID  string // made by the page: a double submit keeps one image
	Alt string
}

// Errors of the image form.
var (
	errImageAlt  = apperr.New(apperr.Invalid, "content.error.image_alt")
	errImageFile = apperr.New(apperr.Invalid, "content.error.image_file")
)

// UploadImage keeps an image for the news, with its alt text, by the
// signed-in person, and records it in the audit log. The form sent twice
// keeps one.
func (s *Service) UploadImage(ctx context.Context, f ImageForm, name string, r io.Reader) (*Image, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return nil, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	errs := FieldErrors{}
	id, err := uuid.Parse(f.ID)
	if err != nil {
		errs["id"] = apperr.New(apperr.Invalid, "content.error.form_stale")
	}
	alt := strings.TrimSpace(f.Alt)
	if n := utf8.RuneCountInString(alt); n == 0 || n > 300 {
		errs["alt"] = errImageAlt
	}
	if r == nil {
		errs["file"] = errImageFile
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if old, err := s.Image(ctx, id); err == nil {
		return old, nil // the same form again
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	if s.docs == nil {
		return nil, errors.New("content: no document store for images")
	}
	file, err := uploads.Accept(ctx, s.docs, t.ID, "content/images", name, r, imageLimits)
	if err != nil {
		return nil, FieldErrors{"file": apperr.As(err)}
	}
	img := &Image{ID: id, Alt: alt, FileName: file.Name, ContentType: file.ContentType, Size: file.Size, CreatedAt: s.now(), key: file.Key, sha256: file.SHA256}
	err = s.db.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO content_images (tenant_id, id, alt, file_key, file_name, content_type, size, sha256, created_at, created_by)
			VALUES (app_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (tenant_id, id) DO NOTHING`,
			img.ID, img.Alt, img.key, img.FileName, img.ContentType, img.Size, img.sha256, img.CreatedAt, sg.AccountID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errors.New("content: the image form's id was taken meanwhile")
		}
		_, err = s.audit.Record(ctx, tx, audit.Event{Actor: audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName},
			Action: "content.image", ObjectType: "content_image", ObjectID: img.ID.String(),
			Details: map[string]any{"alt": img.Alt, "name": img.FileName, "type": img.ContentType, "size": img.Size}})
		return err
	})
	if err != nil {
		if derr := s.docs.Delete(ctx, file.Key); derr != nil && !errors.Is(derr, docstore.ErrNotFound) {
			s.log.WarnContext(ctx, "content: a stray image stays", "key", file.Key, "err", derr)
		}
		return nil, fmt.Errorf("content: upload image: %w", err)
	}
	return img, nil
}

const imageColumns = `id, alt, file_name, content_type, size, created_at, file_key, sha256`

func scanImage(row pgx.Row) (Image, error) {
	var i Image
	err := row.Scan(&i.ID, &i.Alt, &i.FileName, &i.ContentType, &i.Size, &i.CreatedAt, &i.key, &i.sha256)
	return i, err
}

// Image returns the image id.
func (s *Service) Image(ctx context.Context, id uuid.UUID) (*Image, error) {
	var i Image
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		i, err = scanImage(tx.QueryRow(ctx, `SELECT `+imageColumns+` FROM content_images WHERE id = $1`, id))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("content: image %s: %w", id, err)
	}
	return &i, nil
}

// Images returns the newest images, for the dispatcher to take references
// from.
func (s *Service) Images(ctx context.Context) ([]Image, error) {
	var out []Image
	err := s.db.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+imageColumns+` FROM content_images ORDER BY created_at DESC, id LIMIT 100`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Image, error) { return scanImage(r) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("content: images: %w", err)
	}
	return out, nil
}

// ImageFile returns the image id and its bytes, checked against the hash
// taken at upload.
func (s *Service) ImageFile(ctx context.Context, id uuid.UUID) (*Image, []byte, error) {
	i, err := s.Image(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	rc, err := s.docs.GetVerified(ctx, i.key, i.sha256)
	if err != nil {
		return nil, nil, fmt.Errorf("content: image %s: %w", id, err)
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, nil, fmt.Errorf("content: image %s: %w", id, err)
	}
	return i, b, nil
}

// imageRef is a body's image: its address and alt text.
type imageRef struct{ Dest, Alt string }

// imagesOf lists body's Markdown images.
func imagesOf(body string) []imageRef {
	src := []byte(body)
	// (not markdown's parser: it drops the foreign images this looks for)
	doc := goldmark.DefaultParser().Parse(text.NewReader(src))
	var out []imageRef
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if img, ok := n.(*ast.Image); ok && entering {
			out = append(out, imageRef{Dest: string(img.Destination), Alt: strings.TrimSpace(altText(img, src))})
		}
		return ast.WalkContinue, nil
	})
	return out
}

// altText is the plain text of an image's description.
func altText(n ast.Node, src []byte) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*ast.Text); ok {
			b.Write(t.Segment.Value(src))
		} else {
			b.WriteString(altText(c, src))
		}
	}
	return b.String()
}

// ownImage matches the address of an image the portal serves.
var ownImage = regexp.MustCompile(`^` + regexp.QuoteMeta(ImagePath) + `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// checkImages names the first problem of body's images: one without alt
// text, or one that is not the portal's own.
func checkImages(body string) *apperr.Error {
	for _, im := range imagesOf(body) {
		if !ownImage.MatchString(im.Dest) {
			return apperr.New(apperr.Invalid, "content.error.image_src").With(map[string]any{"Src": im.Dest})
		}
		if im.Alt == "" {
			return apperr.New(apperr.Invalid, "content.error.image_alt_missing").With(map[string]any{"Src": im.Dest})
		}
	}
	return nil
}
