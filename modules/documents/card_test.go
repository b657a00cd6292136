package documents_test

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/modules/documents"
)

// A result's card for a phone: a PNG 1080 pixels wide with the facts and
// a QR code big enough to scan off a screen; the picture is kept to look
// at.
func TestRenderCard(t *testing.T) {
	qr := "https://kyiv.hromada.example/verify/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b#" + string(bytes.Repeat([]byte("eyJhbGciOiJFUzI1NiJ9"), 22))
	b, err := documents.RenderCard(documents.Card{City: "Київська міська рада", Title: "Довідка про зареєстрованих у житловому приміщенні осіб",
		Number: "2026-000123", Issued: "05.03.2026", Provider: "Департамент (Центр) надання адміністративних послуг", Applicant: "Шевченко Тарас Григорович",
		Status: "Надано", QR: qr})
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	require.Equal(t, 1080, img.Bounds().Dx())
	require.Greater(t, img.Bounds().Dy(), 1080, "the facts above the code")
	dir := filepath.Join("..", "..", "testdata", "screenshots")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "document-card.png"), b, 0o644))

	_, err = documents.RenderCard(documents.Card{Title: "x"})
	require.ErrorIs(t, err, documents.ErrIncomplete)
}
