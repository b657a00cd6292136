package documents

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"strconv"
	"strings"

	"hromada/modules/documents/pdfdoc"
)

// The coat of arms is drawn as vectors from its SVG. Coats of arms are
// filled shapes in a viewBox (general SVG readers, such as fpdf's
// SVGBasicParse, drew only stroked outlines). So a small subset is read
// here: <svg viewBox> holding <path d fill stroke stroke-width fill-rule>
// elements (and <title>/<desc>), with the path
// commands M L H V C S Q T Z in both cases. Anything else — groups,
// transforms, arcs, gradients, CSS — is refused, and the document shows
// the city's name in a frame instead: a coat of arms drawn wrongly would be
// worse than none.

// errCoatUnsupported is an SVG outside the subset drawn here.
var errCoatUnsupported = errors.New("documents: coat of arms: SVG feature not supported")

// maxCoatSize bounds the SVG read, so a huge file cannot slow rendering.
const maxCoatSize = 256 << 10

// coat is a parsed coat of arms in its own coordinates.
type coat struct {
	minX, minY, w, h float64
	shapes           []shape
}

type rgb struct{ r, g, b int }

// shape is one <path>: its subpaths, and how it is painted.
type shape struct {
	subpaths    [][]seg
	fill        *rgb // nil: not filled
	stroke      *rgb // nil: not stroked
	strokeWidth float64
	evenOdd     bool
}

// seg is an absolute path segment: 'M' (x,y), 'L' (x,y), 'C' (x1,y1,x2,y2,x,y)
// or 'Z'.
type seg struct {
	cmd byte
	p   [6]float64
}

// loadCoat reads and parses the coat of arms at path (a /static/… path)
// from assets.
func loadCoat(assets fs.FS, path string) (*coat, error) {
	if assets == nil || path == "" {
		return nil, errors.New("documents: no coat of arms")
	}
	name := strings.TrimPrefix(path, "/")
	name = strings.TrimPrefix(name, "static/")
	if !fs.ValidPath(name) || !strings.HasSuffix(strings.ToLower(name), ".svg") {
		return nil, fmt.Errorf("%w: %q is not a local SVG", errCoatUnsupported, path)
	}
	f, err := assets.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxCoatSize+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxCoatSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", errCoatUnsupported, maxCoatSize)
	}
	return parseCoat(raw)
}

// parseCoat parses the SVG subset described above.
func parseCoat(raw []byte) (*coat, error) {
	dec := xml.NewDecoder(strings.NewReader(string(raw)))
	var (
		c     coat
		depth int
		root  bool
		skip  int // depth inside <title>/<desc>
	)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("documents: coat of arms: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if skip > 0 {
				skip++
				continue
			}
			switch {
			case depth == 1 && t.Name.Local == "svg":
				root = true
				if err := c.readViewport(t.Attr); err != nil {
					return nil, err
				}
			case depth == 2 && (t.Name.Local == "title" || t.Name.Local == "desc"):
				skip = 1
			case depth == 2 && t.Name.Local == "path":
				s, err := readShape(t.Attr)
				if err != nil {
					return nil, err
				}
				c.shapes = append(c.shapes, s)
			default:
				return nil, fmt.Errorf("%w: element <%s>", errCoatUnsupported, t.Name.Local)
			}
		case xml.EndElement:
			depth--
			if skip > 0 {
				skip--
			}
		}
	}
	if !root || len(c.shapes) == 0 {
		return nil, fmt.Errorf("%w: no <svg> with paths", errCoatUnsupported)
	}
	return &c, nil
}

// readViewport takes the drawing's extent from viewBox, else from width
// and height (plain numbers or px).
func (c *coat) readViewport(attrs []xml.Attr) error {
	var w, h string
	for _, a := range attrs {
		switch a.Name.Local {
		case "viewBox":
			n, err := numbers(a.Value)
			if err != nil || len(n) != 4 {
				return fmt.Errorf("%w: viewBox %q", errCoatUnsupported, a.Value)
			}
			c.minX, c.minY, c.w, c.h = n[0], n[1], n[2], n[3]
		case "width":
			w = a.Value
		case "height":
			h = a.Value
		case "transform", "style":
			return fmt.Errorf("%w: %s on <svg>", errCoatUnsupported, a.Name.Local)
		}
	}
	if c.w == 0 && c.h == 0 {
		wf, err1 := strconv.ParseFloat(strings.TrimSuffix(w, "px"), 64)
		hf, err2 := strconv.ParseFloat(strings.TrimSuffix(h, "px"), 64)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("%w: no viewBox and no numeric width and height", errCoatUnsupported)
		}
		c.w, c.h = wf, hf
	}
	if !(c.w > 0 && c.h > 0) || math.IsInf(c.w, 0) || math.IsInf(c.h, 0) {
		return fmt.Errorf("%w: empty extent", errCoatUnsupported)
	}
	return nil
}

func readShape(attrs []xml.Attr) (shape, error) {
	s := shape{fill: &rgb{0, 0, 0}, strokeWidth: 1} // SVG defaults: black fill, no stroke
	var d string
	for _, a := range attrs {
		var err error
		switch a.Name.Local {
		case "d":
			d = a.Value
		case "fill":
			s.fill, err = color(a.Value)
		case "stroke":
			s.stroke, err = color(a.Value)
		case "stroke-width":
			s.strokeWidth, err = strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(a.Value), "px"), 64)
			if err == nil && (s.strokeWidth < 0 || math.IsNaN(s.strokeWidth) || math.IsInf(s.strokeWidth, 0)) {
				err = fmt.Errorf("%w: stroke-width %q", errCoatUnsupported, a.Value)
			}
		case "fill-rule":
			switch a.Value {
			case "evenodd":
				s.evenOdd = true
			case "nonzero":
			default:
				err = fmt.Errorf("%w: fill-rule %q", errCoatUnsupported, a.Value)
			}
		case "id", "class", "stroke-linejoin", "stroke-linecap", "aria-hidden", "role":
			// Harmless to ignore: the shape is the same.
		default:
			// transform, style, opacity, clip-path, filter, marker…: the
			// drawing would differ from what the SVG shows.
			err = fmt.Errorf("%w: attribute %q on <path>", errCoatUnsupported, a.Name.Local)
		}
		if err != nil {
			return s, err
		}
	}
	sp, err := parsePath(d)
	if err != nil {
		return s, err
	}
	s.subpaths = sp
	return s, nil
}

// color reads #rgb, #rrggbb, none, black and white.
func color(v string) (*rgb, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	switch v {
	case "none":
		return nil, nil
	case "black":
		return &rgb{0, 0, 0}, nil
	case "white":
		return &rgb{255, 255, 255}, nil
	}
	if strings.HasPrefix(v, "#") && (len(v) == 4 || len(v) == 7) {
		hex := v[1:]
		if len(hex) == 3 {
			hex = string([]byte{hex[0], hex[0], hex[1], hex[1], hex[2], hex[2]})
		}
		n, err := strconv.ParseUint(hex, 16, 32)
		if err == nil {
			return &rgb{int(n >> 16 & 0xff), int(n >> 8 & 0xff), int(n & 0xff)}, nil
		}
	}
	return nil, fmt.Errorf("%w: colour %q", errCoatUnsupported, v)
}

// parsePath turns SVG path data into absolute subpaths of M, L, C and Z
// (H and V become L, quadratic curves become cubic ones).
func parsePath(d string) ([][]seg, error) {
	toks, err := pathTokens(d)
	if err != nil {
		return nil, err
	}
	var (
		out              [][]seg
		cur              []seg
		x, y             float64 // current point
		sx, sy           float64 // subpath start
		lastCmd          byte
		lastC2x, lastC2y float64 // last cubic control point (for S)
		lastQx, lastQy   float64 // last quadratic control point (for T)
		i                int
	)
	num := func() (float64, error) {
		if i >= len(toks) || toks[i].cmd != 0 {
			return 0, fmt.Errorf("%w: path %q: number expected", errCoatUnsupported, d)
		}
		i++
		return toks[i-1].num, nil
	}
	nums := func(n int) ([]float64, error) {
		v := make([]float64, n)
		for k := range v {
			var err error
			if v[k], err = num(); err != nil {
				return nil, err
			}
		}
		return v, nil
	}
	flush := func() {
		if len(cur) > 1 {
			out = append(out, cur)
		}
		cur = nil
	}
	var cmd byte
	for i < len(toks) {
		if toks[i].cmd != 0 {
			cmd = toks[i].cmd
			i++
		} else if cmd == 0 {
			return nil, fmt.Errorf("%w: path %q starts with a number", errCoatUnsupported, d)
		}
		// A number after M/m continues as L/l (SVG 1.1 §8.3.2).
		rel := cmd >= 'a' && cmd <= 'z'
		ox, oy := 0.0, 0.0
		if rel {
			ox, oy = x, y
		}
		upper := cmd &^ 0x20
		switch upper {
		case 'M':
			v, err := nums(2)
			if err != nil {
				return nil, err
			}
			flush()
			x, y = ox+v[0], oy+v[1]
			sx, sy = x, y
			cur = append(cur, seg{cmd: 'M', p: [6]float64{x, y}})
			if rel {
				cmd = 'l'
			} else {
				cmd = 'L'
			}
		case 'L', 'H', 'V':
			var nx, ny float64
			switch upper {
			case 'L':
				v, err := nums(2)
				if err != nil {
					return nil, err
				}
				nx, ny = ox+v[0], oy+v[1]
			case 'H':
				v, err := num()
				if err != nil {
					return nil, err
				}
				nx, ny = ox+v, y
			case 'V':
				v, err := num()
				if err != nil {
					return nil, err
				}
				nx, ny = x, oy+v
			}
			if cur == nil {
				cur = append(cur, seg{cmd: 'M', p: [6]float64{x, y}})
			}
			x, y = nx, ny
			cur = append(cur, seg{cmd: 'L', p: [6]float64{x, y}})
		case 'C', 'S':
			var c1x, c1y float64
			var v []float64
			var err error
			if upper == 'C' {
				if v, err = nums(6); err != nil {
					return nil, err
				}
				c1x, c1y = ox+v[0], oy+v[1]
				v = v[2:]
			} else {
				if v, err = nums(4); err != nil {
					return nil, err
				}
				c1x, c1y = x, y
				if l := lastCmd &^ 0x20; l == 'C' || l == 'S' {
					c1x, c1y = 2*x-lastC2x, 2*y-lastC2y
				}
			}
			c2x, c2y := ox+v[0], oy+v[1]
			if cur == nil {
				cur = append(cur, seg{cmd: 'M', p: [6]float64{x, y}})
			}
			x, y = ox+v[2], oy+v[3]
			cur = append(cur, seg{cmd: 'C', p: [6]float64{c1x, c1y, c2x, c2y, x, y}})
			lastC2x, lastC2y = c2x, c2y
		case 'Q', 'T':
			var qx, qy float64
			var v []float64
			var err error
			if upper == 'Q' {
				if v, err = nums(4); err != nil {
					return nil, err
				}
				qx, qy = ox+v[0], oy+v[1]
				v = v[2:]
			} else {
				if v, err = nums(2); err != nil {
					return nil, err
				}
				qx, qy = x, y
				if l := lastCmd &^ 0x20; l == 'Q' || l == 'T' {
					qx, qy = 2*x-lastQx, 2*y-lastQy
				}
			}
			ex, ey := ox+v[0], oy+v[1]
			if cur == nil {
				cur = append(cur, seg{cmd: 'M', p: [6]float64{x, y}})
			}
			// The cubic with the same shape as the quadratic.
			cur = append(cur, seg{cmd: 'C', p: [6]float64{
				x + 2.0/3*(qx-x), y + 2.0/3*(qy-y),
				ex + 2.0/3*(qx-ex), ey + 2.0/3*(qy-ey),
				ex, ey,
			}})
			x, y = ex, ey
			lastQx, lastQy = qx, qy
		case 'Z':
			if cur != nil {
				cur = append(cur, seg{cmd: 'Z'})
			}
			flush()
			x, y = sx, sy
			// Z takes no numbers; a number after it is an error, caught
			// by the next round's cmd check only if cmd is reset.
			lastCmd = cmd
			cmd = 0
			continue
		default:
			return nil, fmt.Errorf("%w: path command %q", errCoatUnsupported, cmd)
		}
		lastCmd = cmd
		if upper == 'M' {
			lastCmd = 'M'
		}
	}
	flush()
	for _, sp := range out {
		for _, s := range sp {
			for _, v := range s.p {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("%w: path %q: bad number", errCoatUnsupported, d)
				}
			}
		}
	}
	return out, nil
}

// pathToken is a command letter (cmd != 0) or a number.
type pathToken struct {
	cmd byte
	num float64
}

// pathTokens splits path data into commands and numbers, following the
// SVG number grammar's compact forms ("1-2", ".5.5", "1e-3").
func pathTokens(d string) ([]pathToken, error) {
	var out []pathToken
	for i := 0; i < len(d); {
		c := d[i]
		switch {
		case c == ' ' || c == ',' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.IndexByte("MmLlHhVvCcSsQqTtZz", c) >= 0:
			out = append(out, pathToken{cmd: c})
			i++
		case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
			j := i
			if d[j] == '-' || d[j] == '+' {
				j++
			}
			dot := false
			for j < len(d) && (d[j] >= '0' && d[j] <= '9' || d[j] == '.' && !dot) {
				if d[j] == '.' {
					dot = true
				}
				j++
			}
			if j < len(d) && (d[j] == 'e' || d[j] == 'E') {
				k := j + 1
				if k < len(d) && (d[k] == '-' || d[k] == '+') {
					k++
				}
				if k < len(d) && d[k] >= '0' && d[k] <= '9' {
					for k < len(d) && d[k] >= '0' && d[k] <= '9' {
						k++
					}
					j = k
				}
			}
			v, err := strconv.ParseFloat(d[i:j], 64)
			if err != nil {
				return nil, fmt.Errorf("%w: path number %q", errCoatUnsupported, d[i:j])
			}
			out = append(out, pathToken{num: v})
			i = j
		default:
			return nil, fmt.Errorf("%w: path character %q", errCoatUnsupported, c)
		}
	}
	return out, nil
}

// draw paints the coat of arms fitted into the box (x, y, w, h), centred,
// keeping its proportions.
func (c *coat) draw(pdf *pdfdoc.Doc, x, y, w, h float64) {
	scale := math.Min(w/c.w, h/c.h)
	dx := x + (w-c.w*scale)/2 - c.minX*scale
	dy := y + (h-c.h*scale)/2 - c.minY*scale
	px := func(v float64) float64 { return dx + v*scale }
	py := func(v float64) float64 { return dy + v*scale }
	for _, s := range c.shapes {
		style := ""
		if s.fill != nil {
			pdf.SetFillColor(s.fill.r, s.fill.g, s.fill.b)
			style = "F"
		}
		if s.stroke != nil && s.strokeWidth > 0 {
			pdf.SetDrawColor(s.stroke.r, s.stroke.g, s.stroke.b)
			pdf.SetLineWidth(s.strokeWidth * scale)
			style += "D"
		}
		if style == "" {
			continue
		}
		if s.evenOdd && s.fill != nil {
			style += "*"
		}
		for _, sp := range s.subpaths {
			for _, sg := range sp {
				switch sg.cmd {
				case 'M':
					pdf.MoveTo(px(sg.p[0]), py(sg.p[1]))
				case 'L':
					pdf.LineTo(px(sg.p[0]), py(sg.p[1]))
				case 'C':
					pdf.CurveBezierCubicTo(px(sg.p[0]), py(sg.p[1]), px(sg.p[2]), py(sg.p[3]), px(sg.p[4]), py(sg.p[5]))
				case 'Z':
					pdf.ClosePath()
				}
			}
		}
		pdf.DrawPath(style)
	}
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetFillColor(255, 255, 255)
}

// numbers reads a list of numbers separated by spaces or commas.
func numbers(s string) ([]float64, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
	out := make([]float64, 0, len(fields))
	for _, f := range fields {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: number %q", errCoatUnsupported, f)
		}
		out = append(out, v)
	}
	return out, nil
}
