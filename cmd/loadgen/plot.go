package main

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// The plot is hand-written SVG: one small function that a browser opens, with no
// plotting or image dependency for a tool whose only graphic is a few lines on two
// axes (gonum/plot would pull in fonts, image codecs and a dozen modules).

// plot is a line chart of a few series.
type plot struct {
	Title, XLabel, YLabel string
	// XPercentile draws the x axis as percentiles on a log scale of 1/(1-p), as
	// HdrHistogram's percentile plots do; otherwise x is linear.
	XPercentile bool
	Series      []series
}

type series struct {
	Name   string
	Color  string
	Points []Point
}

const (
	plotW, plotH                   = 800, 480
	padL, padR, padT, padB         = 80, 20, 40, 60
	plotInnerW, plotInnerH float64 = plotW - padL - padR, plotH - padT - padB
)

func pow10(x float64) float64 { return math.Pow(10, x) }

// pctX maps a percentile to log10(1/(1-p)): 0 at p0, 1 at p90, 2 at p99, ...
func pctX(p float64) float64 {
	return math.Log10(1 / math.Max(1-p/100, 1e-7))
}

// plotReport makes the report's plot: the latency percentile curves of both relays,
// or the ramp's p99 by CCU.
func plotReport(rep *Report) *plot {
	if rep.Boson == nil || rep.Raw == nil {
		return nil
	}
	colors := map[string]string{"boson": "#d62728", "raw": "#1f77b4"}
	if rep.Boson.Ramp != nil {
		p := &plot{Title: "ramp: p99 latency by concurrent clients (" + rep.Settings + ")", XLabel: "concurrent clients", YLabel: "p99 latency (µs)"}
		for _, r := range []*Result{rep.Raw, rep.Boson} {
			s := series{Name: r.Relay, Color: colors[r.Relay]}
			for _, st := range r.Ramp.Steps {
				s.Points = append(s.Points, Point{X: float64(st.CCU), Y: float64(st.P99)})
			}
			p.Series = append(p.Series, s)
		}
		return p
	}
	if len(rep.Boson.Curve) == 0 && len(rep.Raw.Curve) == 0 {
		return nil
	}
	p := &plot{Title: rep.Scenario + ": latency by percentile (" + rep.Settings + ")", XLabel: "percentile", YLabel: "latency (µs)", XPercentile: true}
	for _, r := range []*Result{rep.Raw, rep.Boson} {
		p.Series = append(p.Series, series{Name: r.Relay, Color: colors[r.Relay], Points: r.Curve})
	}
	return p
}

// writeSVG draws the plot.
func (p *plot) writeSVG(w io.Writer) error {
	xmax, ymax := 0.0, 0.0
	for _, s := range p.Series {
		for _, pt := range s.Points {
			xmax, ymax = math.Max(xmax, p.x(pt.X)), math.Max(ymax, pt.Y)
		}
	}
	xmax, ymax = niceCeil(xmax), niceCeil(ymax)
	if p.XPercentile {
		xmax = math.Ceil(math.Max(xmax, 1))
	}
	sx := func(x float64) float64 { return padL + plotInnerW*p.x(x)/xmax }
	sy := func(y float64) float64 { return padT + plotInnerH*(1-y/ymax) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", plotW, plotH, plotW, plotH)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="13">%s</text>`+"\n", padL, html.EscapeString(p.Title))
	p.axes(&b, xmax, ymax, sx, sy)
	for i, s := range p.Series {
		var pts []string
		for _, pt := range s.Points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", sx(pt.X), sy(pt.Y)))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", s.Color, strings.Join(pts, " "))
		ly := padT + 20 + 18*i
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/><text x="%d" y="%d">%s</text>`+"\n",
			padL+15, ly, padL+40, ly, s.Color, padL+46, ly+4, html.EscapeString(s.Name))
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// x maps a data x to the axis' linear coordinate.
func (p *plot) x(v float64) float64 {
	if p.XPercentile {
		return pctX(v)
	}
	return v
}

func (p *plot) axes(b *strings.Builder, xmax, ymax float64, sx, sy func(float64) float64) {
	fmt.Fprintf(b, `<g stroke="#888"><line x1="%d" y1="%d" x2="%d" y2="%d"/><line x1="%d" y1="%d" x2="%d" y2="%d"/></g>`+"\n",
		padL, padT, padL, padT+int(plotInnerH), padL, padT+int(plotInnerH), padL+int(plotInnerW), padT+int(plotInnerH))
	for i := 0; i <= 5; i++ {
		y := ymax * float64(i) / 5
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s</text><line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#eee"/>`+"\n",
			padL-6, sy(y)+4, trimFloat(y), padL, padL+int(plotInnerW), sy(y), sy(y))
	}
	for i := 0; i <= 5; i++ {
		var label string
		var px float64
		if p.XPercentile {
			if float64(i) > xmax {
				break
			}
			q := 100 * (1 - pow10(-float64(i)))
			label, px = trimFloat(q)+"%", padL+plotInnerW*float64(i)/xmax
		} else {
			v := xmax * float64(i) / 5
			label, px = trimFloat(v), sx(v)
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", px, padT+int(plotInnerH)+18, label)
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", padL+int(plotInnerW)/2, plotH-15, html.EscapeString(p.XLabel))
	fmt.Fprintf(b, `<text x="15" y="%d" text-anchor="middle" transform="rotate(-90 15 %d)">%s</text>`+"\n", padT+int(plotInnerH)/2, padT+int(plotInnerH)/2, html.EscapeString(p.YLabel))
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (1 for v ≤ 0).
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	e := pow10(math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*e {
			return m * e
		}
	}
	return 10 * e
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.3f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}
