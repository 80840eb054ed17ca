package shell

import (
	"io"
	"strconv"
	"strings"

	"github.com/mattn/go-runewidth"
)

// columnar prints the modes that need every row before the first line:
// box, table, markdown, column and qbox. Their layout is sqlite3 3.54's:
// titles centred, numbers right-aligned and everything else left-aligned,
// a rule under the titles, and a rule between rows when a value spans
// several lines. Box mode draws rounded corners and a double rule under
// the titles. (sqlite3 3.40 left-aligned every value and drew square
// corners.)
type columnar struct {
	w     io.Writer
	style string
	null  string
	cols  []string
	cells [][]cell // the data rows
	width []int
	multi bool // some value spans several lines
}

// cell is one rendered value.
type cell struct {
	lines []string
	right bool // a number: right-aligned
}

func newColumnar(w io.Writer, style string, cols []string, null string) *columnar {
	if style == "qbox" {
		null = "NULL"
	}
	c := &columnar{w: w, style: style, null: null, cols: cols, width: make([]int, len(cols))}
	for i, name := range cols {
		c.width[i] = c.measure(c.split(name))
	}
	return c
}

func (c *columnar) split(s string) []string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = expandTabs(l)
	}
	if len(lines) > 1 {
		c.multi = true
	}
	return lines
}

func (c *columnar) measure(lines []string) int {
	w := 0
	for _, l := range lines {
		w = max(w, displayWidth(l))
	}
	return w
}

func (c *columnar) text(v any) string {
	if c.style != "qbox" {
		return plainText(v, c.null)
	}
	// qbox quotes what could be mistaken for something else: text that
	// reads as a number or as NULL, and blobs.
	switch v := v.(type) {
	case string:
		if _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil || strings.EqualFold(v, "null") {
			return sqlQuote(v)
		}
	case []byte:
		return sqlQuote(v)
	}
	return plainText(v, c.null)
}

func (c *columnar) row(vals []any) error {
	r := make([]cell, len(vals))
	for i, v := range vals {
		r[i] = cell{lines: c.split(c.text(v)), right: isNumber(v)}
		c.width[i] = max(c.width[i], c.measure(r[i].lines))
	}
	c.cells = append(c.cells, r)
	return nil
}

// frame holds the strings that draw one style.
type frame struct {
	start, sep, end     string // around and between the cells of a line
	top, rule, mid, bot [4]string
	// each of top, rule (under the titles), mid (between rows) and bot is
	// left corner, horizontal, crossing, right corner; empty: no line
}

var frames = map[string]frame{
	"box": {start: "│ ", sep: " │ ", end: " │",
		top:  [4]string{"╭", "─", "┬", "╮"},
		rule: [4]string{"╞", "═", "╪", "╡"},
		mid:  [4]string{"├", "─", "┼", "┤"},
		bot:  [4]string{"╰", "─", "┴", "╯"}},
	"table": {start: "| ", sep: " | ", end: " |",
		top:  [4]string{"+", "-", "+", "+"},
		rule: [4]string{"+", "-", "+", "+"},
		mid:  [4]string{"+", "-", "+", "+"},
		bot:  [4]string{"+", "-", "+", "+"}},
	"markdown": {start: "| ", sep: " | ", end: " |",
		rule: [4]string{"|", "-", "|", "|"}},
	"column": {sep: "  "},
}

func (c *columnar) end() error {
	if len(c.cells) == 0 {
		return nil // sqlite3 prints nothing, not even titles, for no rows
	}
	style := c.style
	if style == "qbox" {
		style = "box"
	}
	f := frames[style]
	var b strings.Builder
	c.hline(&b, f.top, 2)
	titles := make([]cell, len(c.cols))
	for i, name := range c.cols {
		titles[i] = cell{lines: c.split(name)}
	}
	c.line(&b, f, titles, true)
	if style == "column" {
		// column mode underlines each title with dashes.
		dashes := make([]string, len(c.width))
		for i, w := range c.width {
			dashes[i] = strings.Repeat("-", w)
		}
		b.WriteString(strings.Join(dashes, f.sep))
		b.WriteByte('\n')
	} else {
		c.hline(&b, f.rule, 2)
	}
	for i, r := range c.cells {
		if i > 0 && c.multi {
			if style == "column" {
				b.WriteByte('\n')
			} else {
				c.hline(&b, f.mid, 2)
			}
		}
		c.line(&b, f, r, false)
	}
	c.hline(&b, f.bot, 2)
	_, err := io.WriteString(c.w, b.String())
	return err
}

// hline draws a horizontal line: corner, then for each column its width
// plus margin in the horizontal character, crossings between.
func (c *columnar) hline(b *strings.Builder, parts [4]string, margin int) {
	if parts[0] == "" {
		return
	}
	b.WriteString(parts[0])
	for i, w := range c.width {
		if i > 0 {
			b.WriteString(parts[2])
		}
		b.WriteString(strings.Repeat(parts[1], w+margin))
	}
	b.WriteString(parts[3])
	b.WriteByte('\n')
}

// line draws one row of cells, as many text lines as its tallest cell.
func (c *columnar) line(b *strings.Builder, f frame, cells []cell, title bool) {
	height := 0
	for _, x := range cells {
		height = max(height, len(x.lines))
	}
	for k := 0; k < height; k++ {
		var l strings.Builder
		l.WriteString(f.start)
		for i, x := range cells {
			if i > 0 {
				l.WriteString(f.sep)
			}
			text := ""
			if k < len(x.lines) {
				text = x.lines[k]
			}
			pad := c.width[i] - displayWidth(text)
			switch {
			case title:
				l.WriteString(strings.Repeat(" ", pad/2) + text + strings.Repeat(" ", pad-pad/2))
			case x.right:
				l.WriteString(strings.Repeat(" ", pad) + text)
			default:
				l.WriteString(text + strings.Repeat(" ", pad))
			}
		}
		l.WriteString(f.end)
		text := l.String()
		if f.end == "" {
			// column mode has no right border, so no trailing blanks
			text = strings.TrimRight(text, " ")
		}
		b.WriteString(text)
		b.WriteByte('\n')
	}
}

// displayWidth is the width of s on a terminal: wide characters count
// two, combining ones none.
func displayWidth(s string) int { return runewidth.StringWidth(s) }

// expandTabs replaces tabs with spaces to the next multiple of eight.
func expandTabs(s string) string {
	if !strings.Contains(s, "\t") {
		return s
	}
	var b strings.Builder
	col := 0
	for _, r := range s {
		if r == '\t' {
			n := 8 - col%8
			b.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		}
		b.WriteRune(r)
		col += runewidth.RuneWidth(r)
	}
	return b.String()
}
