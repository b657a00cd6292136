package uploads_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"hromada/apperr"
	"hromada/modules/uploads"
)

// mp4Head is the start of an MP4 a phone writes: a 24-byte ftyp box
// (major brand isom, compatible isom and iso2) and a free box.
var mp4Head = []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2\x00\x00\x00\x08free")

// webmHead is an EBML header with DocType "webm" and the start of a
// Segment.
var webmHead = []byte("\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\xF7\x81\x01\x42\xF2\x81\x04\x42\xF3\x81\x08\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02\x18\x53\x80\x67\x01\x00\x00\x00\x00\x00\x00\x00")

// videoLimits are the cabinet's: scans up to len(pdf) bytes, videos up to
// four times that.
func videoLimits(small int64) uploads.Limits {
	return uploads.Limits{MaxBytes: small, Types: append([]string{"application/pdf"}, uploads.VideoTypes...),
		TypeMaxBytes: map[string]int64{"video/mp4": 4 * small, "video/webm": 4 * small}}
}

// Videos are judged by their containers: an MP4 whose ftyp box names an MP4
// brand and a WebM's EBML header pass; a HEIF picture, a QuickTime-only
// ftyp, a text with "ftyp" at offset 4 and a Matroska that is not WebM do
// not. A video may be as big as its own limit, a scan only its own.
func TestAcceptVideos(t *testing.T) {
	t.Parallel()
	pdf := pdfBytes()
	small := int64(len(pdf))
	pad := func(b []byte, n int64) []byte {
		return append(bytes.Clone(b), bytes.Repeat([]byte{0}, int(n)-len(b))...)
	}

	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"mp4":  {pad(mp4Head, 3*small), "video/mp4"},
		"webm": {pad(webmHead, 3*small), "video/webm"},
	} {
		s, _ := store(t)
		f, err := uploads.Accept(t.Context(), s, tenantID, "mydocs/a", name+"."+name, bytes.NewReader(tc.data), videoLimits(small))
		require.NoError(t, err, name)
		require.Equal(t, tc.want, f.ContentType, name)
	}

	for name, data := range map[string][]byte{
		"heif":      []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic\x00\x00\x00\x08free"),
		"quicktime": []byte("\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  \x00\x00\x00\x08wide"),
		"text":      []byte("\x00\x00\x00\x00ftyp is not a video, just words about one"),
		"bad box":   []byte("\x00\x00\x10\x00ftypisom\x00\x00\x02\x00isomiso2"),
		"matroska":  bytes.Replace(webmHead, []byte("\x84webm"), []byte("\x88matroska"), 1),
	} {
		s, dir := store(t)
		_, err := uploads.Accept(t.Context(), s, tenantID, "mydocs/a", "video.mp4", bytes.NewReader(data), videoLimits(small))
		args := requireAppErr(t, err, uploads.ErrType, apperr.Invalid)
		require.Equal(t, "PDF, MP4, WebM", args["Kinds"], name)
		require.Empty(t, files(t, dir), name)
	}

	s, dir := store(t)
	_, err := uploads.Accept(t.Context(), s, tenantID, "mydocs/a", "big.mp4", bytes.NewReader(pad(mp4Head, 4*small+1)), videoLimits(small))
	requireAppErr(t, err, uploads.ErrTooLarge, apperr.TooLarge)
	_, err = uploads.Accept(t.Context(), s, tenantID, "mydocs/a", "big.pdf", bytes.NewReader(append(bytes.Clone(pdf), '\n')), videoLimits(small))
	args := requireAppErr(t, err, uploads.ErrTooLarge, apperr.TooLarge)
	require.NotEmpty(t, args["Limit"], "a scan is held to its own limit, not the video's")
	require.Empty(t, files(t, dir))
}
