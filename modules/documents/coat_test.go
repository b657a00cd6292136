package documents

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParsePath(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		d    string
		want [][]seg
	}{
		"RelativeAndCompactNumbers": {
			d: "M2 2h36v24c0 11-8 17-18 20z",
			want: [][]seg{{
				{cmd: 'M', p: [6]float64{2, 2}},
				{cmd: 'L', p: [6]float64{38, 2}},
				{cmd: 'L', p: [6]float64{38, 26}},
				{cmd: 'C', p: [6]float64{38, 37, 30, 43, 20, 46}},
				{cmd: 'Z'},
			}},
		},
		"ImplicitLineAfterMove": {
			d: "m1 1 2 0 0 2Z",
			want: [][]seg{{
				{cmd: 'M', p: [6]float64{1, 1}},
				{cmd: 'L', p: [6]float64{3, 1}},
				{cmd: 'L', p: [6]float64{3, 3}},
				{cmd: 'Z'},
			}},
		},
		"SmoothCubicReflects": {
			d: "M0 0C1 2 3 2 4 0S7-2 8 0",
			want: [][]seg{{
				{cmd: 'M'},
				{cmd: 'C', p: [6]float64{1, 2, 3, 2, 4, 0}},
				{cmd: 'C', p: [6]float64{5, -2, 7, -2, 8, 0}},
			}},
		},
		"QuadraticBecomesCubic": {
			d: "M0 0Q3 3 6 0",
			want: [][]seg{{
				{cmd: 'M'},
				{cmd: 'C', p: [6]float64{2, 2, 4, 2, 6, 0}},
			}},
		},
		"DecimalsAndExponents": {
			d: "M.5.5L1e1-2.5e-1",
			want: [][]seg{{
				{cmd: 'M', p: [6]float64{0.5, 0.5}},
				{cmd: 'L', p: [6]float64{10, -0.25}},
			}},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := parsePath(tc.d)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}

	for _, bad := range []string{"M0 0A5 5 0 0 1 10 0", "10 10", "M0", "M0 0L1 1 2", "M0 0 Z 5", "M0 0L1 x"} {
		_, err := parsePath(bad)
		require.ErrorIs(t, err, errCoatUnsupported, bad)
	}
}

func TestParseCoat(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"kyiv.svg", "lviv.svg"} {
		c, err := loadCoat(os.DirFS("../../web/static"), "/static/demo/"+name)
		require.NoError(t, err, name)
		require.Equal(t, [4]float64{0, 0, 40, 48}, [4]float64{c.minX, c.minY, c.w, c.h})
		require.Len(t, c.shapes, 4)
		require.NotNil(t, c.shapes[0].stroke, "the shield's border")
		require.Equal(t, 3.0, c.shapes[0].strokeWidth)
	}

	for name, svg := range map[string]string{
		"Group":    `<svg viewBox="0 0 1 1"><g><path d="M0 0h1z"/></g></svg>`,
		"Circle":   `<svg viewBox="0 0 1 1"><circle r="1"/></svg>`,
		"Style":    `<svg viewBox="0 0 1 1"><path style="fill:red" d="M0 0h1z"/></svg>`,
		"Gradient": `<svg viewBox="0 0 1 1"><path fill="url(#g)" d="M0 0h1z"/></svg>`,
		"NoPaths":  `<svg viewBox="0 0 1 1"></svg>`,
		"NoExtent": `<svg><path d="M0 0h1z"/></svg>`,
		"NotSVG":   `<html><path d="M0 0h1z"/></html>`,
	} {
		_, err := parseCoat([]byte(svg))
		require.ErrorIs(t, err, errCoatUnsupported, name)
	}
	c, err := parseCoat([]byte(`<svg width="20px" height="10"><title>Герб</title><path fill="#fff" fill-rule="evenodd" d="M0 0h1z"/></svg>`))
	require.NoError(t, err)
	require.Equal(t, 20.0, c.w)
	require.Equal(t, &rgb{255, 255, 255}, c.shapes[0].fill)
	require.True(t, c.shapes[0].evenOdd)
}
