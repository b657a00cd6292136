package monitoring

import (
	"strconv"
	"strings"
	"time"
)

// Chart is the period's submissions and decisions per day, drawn as an
// SVG without script: each day is three units wide (a bar of each and a
// gap), the bars' heights percentages of the busiest day.
type Chart struct {
	Width int
	Bars  []Bar
}

// Bar is a day of the chart, its coordinates in the SVG's units.
type Bar struct {
	Day                time.Time
	Submitted, Decided int64
	XS, XD             int // the submissions' and decisions' bars
	YS, YD             int // their tops (100 − height)
	HS, HD             int // their heights
}

// chart scales the days' bars to the busiest day.
func chart(days []Day) Chart {
	var top int64
	for _, d := range days {
		top = max(top, d.Submitted, d.Decided)
	}
	c := Chart{Width: 3 * len(days), Bars: make([]Bar, len(days))}
	for i, d := range days {
		hs, hd := percent(d.Submitted, top), percent(d.Decided, top)
		c.Bars[i] = Bar{Day: d.Day, Submitted: d.Submitted, Decided: d.Decided, XS: 3 * i, XD: 3*i + 1,
			YS: 100 - hs, YD: 100 - hd, HS: hs, HD: hd}
	}
	return c
}

// weekChart draws the weeks as chart draws days.
func weekChart(weeks []Week) Chart {
	days := make([]Day, len(weeks))
	for i, w := range weeks {
		days[i] = Day{Day: w.Monday, Submitted: w.Submitted, Decided: w.Decided}
	}
	return chart(days)
}

// decimal writes v with one decimal and a comma, as Ukrainian does; "—"
// for no value.
func decimal(v *float64) string {
	if v == nil {
		return "—"
	}
	return strings.Replace(strconv.FormatFloat(*v, 'f', 1, 64), ".", ",", 1)
}

// MedianText is the median processing time for the page.
func (n *Numbers) MedianText() string { return decimal(n.MedianDays) }

// P90Text is the 90th percentile of the processing time for the page.
func (n *Numbers) P90Text() string { return decimal(n.P90Days) }

// MeanText is the mean processing time for the page.
func (n *Numbers) MeanText() string { return decimal(n.MeanDays) }

// WaitText is the median booking wait in hours for the page.
func (c *CentreLine) WaitText() string { return decimal(c.MedianWaitHours) }

// LoyaltyText is the loyalty index for the page: signed, or "—".
func (r Ratings) LoyaltyText() string {
	v, ok := r.Loyalty()
	switch {
	case !ok:
		return "—"
	case v > 0:
		return "+" + strconv.Itoa(v)
	}
	return strconv.Itoa(v)
}

// Scores are the four levels, best first, for the ratings' chart.
func (r Ratings) Scores() []Score {
	return []Score{{4, r.R4, r.Share(4)}, {3, r.R3, r.Share(3)}, {2, r.R2, r.Share(2)}, {1, r.R1, r.Share(1)}}
}

// Score is one level of the four-level scale with its count and share.
type Score struct {
	Level   int
	Count   int64
	Percent int
}

// MedianText is the median time to answer in days for the page.
func (f AppealFacet) MedianText() string { return decimal(f.MedianDays) }

// SatisfactionText is the mean rating of the answers for the page, or "—".
func (f AppealFacet) SatisfactionText() string {
	v, ok := f.Satisfaction()
	if !ok {
		return "—"
	}
	return decimal(&v)
}

// OnTimeText is the share of answers given on time for the page, or "—".
func (f AppealFacet) OnTimeText() string {
	if f.Answered == 0 {
		return "—"
	}
	return strconv.Itoa(f.OnTimeShare()) + " %"
}
