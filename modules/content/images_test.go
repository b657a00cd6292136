package content_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/content"
)

func pngImage(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{R: 0x0a, G: 0x5c, B: 0xa8, A: 0xff})
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

// The dispatcher uploads an image only with its alt text and only a real
// PNG, JPEG or WebP; the form sent twice keeps one image; its reference
// goes into a body, which refuses an image without alt text or from
// elsewhere, naming it; the body renders the portal's own image with its
// alt text and never another's; the upload is audited.
func TestImages(t *testing.T) {
	t.Parallel()
	e := setup(t)
	disp, _ := e.person(t, "Диспетчер Портал")
	pic := pngImage(t)

	_, err := e.svc.UploadImage(disp, content.ImageForm{ID: uuid.NewString(), Alt: "  "}, "", nil)
	require.Equal(t, map[string]string{"alt": "content.error.image_alt", "file": "content.error.image_file"}, fieldKeys(t, err))
	_, err = e.svc.UploadImage(disp, content.ImageForm{ID: uuid.NewString(), Alt: "Сквер"}, "skver.png", strings.NewReader("<svg onload=alert(1)></svg>"))
	require.Contains(t, fieldKeys(t, err), "file", "judged by its bytes")
	_, err = e.svc.UploadImage(disp, content.ImageForm{ID: uuid.NewString(), Alt: "Сквер"}, "big.png", bytes.NewReader(append(bytes.Clone(pic), make([]byte, content.ImageMaxBytes)...)))
	require.Equal(t, map[string]string{"file": "error.upload_too_large"}, fieldKeys(t, err))
	require.Zero(t, e.count(t, `SELECT count(*) FROM content_images`), "nothing kept")

	form := content.ImageForm{ID: uuid.NewString(), Alt: "Новий сквер [після ремонту]"}
	img, err := e.svc.UploadImage(disp, form, "skver.png", bytes.NewReader(pic))
	require.NoError(t, err)
	again, err := e.svc.UploadImage(disp, form, "skver.png", bytes.NewReader(pic))
	require.NoError(t, err)
	require.Equal(t, img.ID, again.ID)
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM content_images`), "a double submit keeps one")
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM audit_events WHERE action = 'content.image'`))
	require.Equal(t, "image/png", img.ContentType)
	require.Equal(t, `![Новий сквер \[після ремонту\]](/news/images/`+img.ID.String()+`)`, img.Markdown())
	got, b, err := e.svc.ImageFile(e.ctx, img.ID)
	require.NoError(t, err)
	require.Equal(t, pic, b)
	require.Equal(t, img.Alt, got.Alt)

	_, err = e.svc.Save(disp, newForm(content.KindNews, "Сквер", "Ось він:\n\n![](/news/images/"+img.ID.String()+")"))
	require.Equal(t, map[string]string{"body_uk": "content.error.image_alt_missing"}, fieldKeys(t, err))
	_, err = e.svc.Save(disp, newForm(content.KindNews, "Сквер", "![Сквер](https://elsewhere.example/a.png)"))
	require.Equal(t, map[string]string{"body_uk": "content.error.image_src"}, fieldKeys(t, err))
	it, err := e.svc.Save(disp, newForm(content.KindNews, "Сквер", "Ось він:\n\n"+img.Markdown()))
	require.NoError(t, err)

	html, err := content.Render(it.Body.UK)
	require.NoError(t, err)
	require.Contains(t, string(html), `<img src="/news/images/`+img.ID.String()+`" alt="Новий сквер [після ремонту]">`)
	html, err = content.Render("До ![сквер](https://elsewhere.example/a.png) після")
	require.NoError(t, err)
	require.Equal(t, "<p>До сквер після</p>\n", string(html), "another origin's image shows as its words")
}
