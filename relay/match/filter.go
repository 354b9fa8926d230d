package match

import "strings"

// Limits on filter texts. Exceeding one is a [SyntaxError] wrapping [ErrLimit].
const (
	MaxTextLen = 2048 // bytes of the whole text given to Parse
	MaxDepth   = 32   // levels of nesting: of the expression tree, and of parentheses
	MaxInList  = 256  // items in one IN list
	MaxFilters = 3    // filters chained with ';'
	// MaxColumnText bounds a text value of a column ([Columns.Check] refuses longer
	// ones), and with it the cost of LIKE.
	MaxColumnText = 256
)

// Filters is a chain of up to [MaxFilters] filters, separated by ';' in the
// text. Matchmaking tries them in order: the first filter that matches any
// room wins. A Filters is immutable and safe for concurrent use.
type Filters struct {
	list []*Filter
}

// A Filter is one parsed WHERE clause. It is immutable and safe for
// concurrent use.
type Filter struct {
	root   *node
	concat bool // the filter uses ||, so Match needs a scratch buffer
}

// Parse parses a filter text: up to [MaxFilters] WHERE clauses over the
// columns C0..C9 separated by ';', with at most one trailing ';'. The
// grammar is in the package documentation. Every error is a *[SyntaxError];
// errors.Is tells [ErrForbiddenWord] and [ErrLimit] apart. An empty text is
// an error: a request without a filter should not call Parse.
func Parse(text string) (*Filters, error) {
	if len(text) > MaxTextLen {
		return nil, &SyntaxError{Offset: MaxTextLen, Msg: "filter text longer than 2048 bytes", Err: ErrLimit}
	}
	return parseText(text)
}

// parseText is Parse without the length limit, which printing can exceed.
func parseText(text string) (*Filters, error) {
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	p := &parser{src: text, toks: toks, arena: make([]node, 0, len(toks))}
	fs := &Filters{}
	for {
		p.filter = len(fs.list) + 1
		if t := p.peek(); t.kind == tSemi || t.kind == tEOF {
			return nil, p.errorf(t.off, "empty filter")
		}
		if p.filter > MaxFilters {
			return nil, p.limitf(p.peek().off, "more than %d filters", MaxFilters)
		}
		root, err := p.parseFilter()
		if err != nil {
			return nil, err
		}
		fs.list = append(fs.list, &Filter{root: root, concat: hasConcat(root)})
		switch t := p.next(); {
		case t.kind == tEOF, t.kind == tSemi && p.peek().kind == tEOF:
			return fs, nil
		case t.kind != tSemi:
			return nil, p.unexpected(t)
		}
	}
}

// hasConcat reports whether the tree uses ||.
func hasConcat(n *node) bool {
	if n.op == opConcat {
		return true
	}
	for _, a := range n.args {
		if hasConcat(a) {
			return true
		}
	}
	return false
}

// Len returns the number of filters, 1 to [MaxFilters].
func (fs *Filters) Len() int { return len(fs.list) }

// Filter returns filter i, 0 <= i < Len, in the order of the text.
func (fs *Filters) Filter(i int) *Filter { return fs.list[i] }

// Match reports whether filter i matches the row; see [Filter.Match].
func (fs *Filters) Match(i int, r *Row) bool { return fs.list[i].Match(r) }

// String returns the filters in canonical form, separated by "; ".
// Parsing it again gives equal filters.
func (fs *Filters) String() string {
	parts := make([]string, len(fs.list))
	for i, f := range fs.list {
		parts[i] = f.String()
	}
	return strings.Join(parts, "; ")
}

// String returns the filter in canonical form: keywords and columns in
// upper case, single spaces, == as = and != as <>, and only the parentheses
// precedence needs. Parsing it again gives an equal filter.
func (f *Filter) String() string { return f.root.String() }

// Match reports whether the filter is true for the row; NULL and false do
// not match. Match does not allocate, unless the filter concatenates (||)
// more than 512 bytes at a time.
func (f *Filter) Match(r *Row) bool { return f.MatchWithin(r, nil) }

// MatchWithin is Match with a budget of evaluation steps, shared by the rows of one
// request: each operator costs a step and LIKE costs the product of its operands'
// lengths. Once *budget is spent, rows no longer match; the caller sees *budget <= 0
// and refuses the request. A nil budget is no limit.
func (f *Filter) MatchWithin(r *Row, budget *int64) bool {
	if !f.concat {
		e := evaluator{row: r, budget: budget}
		return e.eval(f.root).truth() == isTrue
	}
	var buf [scratchLen]byte
	e := evaluator{row: r, scratch: buf[:], budget: budget}
	return e.eval(f.root).truth() == isTrue
}
