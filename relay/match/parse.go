package match

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// A parser is a recursive-descent parser with precedence climbing over the
// tokens of a whole text. It parses one filter at a time.
type parser struct {
	src    string
	toks   []token
	pos    int
	filter int    // 1-based index of the filter being parsed
	parens int    // open parentheses and IN lists, at most MaxDepth
	nest   int    // parens plus prefix operators: bounds the recursion
	arena  []node // backing store of the nodes; never outgrown (nodes <= tokens)
}

// binaryOps maps the tokens of plain binary operators to their ops.
var binaryOps = map[tokKind]op{
	tOr: opOr, tAnd: opAnd, tEq: opEq, tNe: opNe, tLt: opLt, tLe: opLe, tGt: opGt, tGe: opGe,
	tAmp: opBitAnd, tPipe: opBitOr, tShl: opShl, tShr: opShr, tPlus: opAdd, tMinus: opSub,
	tStar: opMul, tSlash: opDiv, tPercent: opMod, tConcat: opConcat,
}

// unsupported are SQLite words worth a clearer error than "unknown column".
var unsupported = map[string]bool{
	"CASE": true, "CAST": true, "COLLATE": true, "DISTINCT": true, "EXISTS": true, "FROM": true,
	"GLOB": true, "ISNULL": true, "MATCH": true, "NOTNULL": true, "REGEXP": true, "TABLE": true, "WHERE": true,
}

// infixPrec returns the precedence of the infix operator t, or 0.
func infixPrec(t tokKind) int {
	switch t {
	case tIs, tNot, tBetween, tIn, tLike:
		return precEq
	}
	if o, ok := binaryOps[t]; ok {
		return opInfo[o].prec
	}
	return 0
}

func (p *parser) peek() token { return p.toks[p.pos] }

// next returns the current token and advances, staying on tEOF.
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

// accept consumes the current token if it is of kind k.
func (p *parser) accept(k tokKind) bool {
	if p.peek().kind == k {
		p.pos++
		return true
	}
	return false
}

// errorf returns a SyntaxError at off in the current filter.
func (p *parser) errorf(off int, format string, args ...any) error {
	return &SyntaxError{Filter: p.filter, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// limitf returns a SyntaxError wrapping ErrLimit.
func (p *parser) limitf(off int, format string, args ...any) error {
	return &SyntaxError{Filter: p.filter, Offset: off, Msg: fmt.Sprintf(format, args...), Err: ErrLimit}
}

// unexpected returns the error for a token that cannot appear where it is.
func (p *parser) unexpected(t token) error {
	switch {
	case t.kind == tEOF || t.kind == tSemi:
		return p.errorf(t.off, "unexpected end of filter")
	case t.kind == tString:
		return p.errorf(t.off, "unexpected string %s", quote(t.text))
	case t.kind == tIdent && unsupported[strings.ToUpper(t.text)]:
		return p.errorf(t.off, "unsupported keyword %s", strings.ToUpper(t.text))
	}
	return p.errorf(t.off, "unexpected '%s'", p.src[t.off:t.end])
}

// expect consumes a token of kind k or fails with want in the message.
func (p *parser) expect(k tokKind, want string) error {
	if t := p.next(); t.kind != k {
		if t.kind == tEOF || t.kind == tSemi {
			return p.errorf(t.off, "expected %s, found end of filter", want)
		}
		return p.errorf(t.off, "expected %s, found '%s'", want, p.src[t.off:t.end])
	}
	return nil
}

// enter counts one more level of nesting at t, a parenthesis or IN (paren)
// or a prefix operator; leave undoes it. Printing a tree of depth d nests at
// most d parentheses and d-1 prefix operators, so the second limit, which
// only bounds the parser's recursion, never refuses a tree that the depth
// limit accepts.
func (p *parser) enter(t token, paren bool) error {
	if paren {
		p.parens++
	}
	p.nest++
	if p.parens > MaxDepth || p.nest > 2*MaxDepth {
		return p.limitf(t.off, "expression nested deeper than %d levels", MaxDepth)
	}
	return nil
}

func (p *parser) leave(paren bool) {
	if paren {
		p.parens--
	}
	p.nest--
}

// newNode returns a node over args, refusing trees deeper than MaxDepth.
func (p *parser) newNode(off int, o op, args ...*node) (*node, error) {
	p.arena = append(p.arena, node{op: o, args: args, depth: 1, esc: noEscape})
	n := &p.arena[len(p.arena)-1]
	for _, a := range args {
		n.depth = max(n.depth, a.depth+1)
	}
	if n.depth > MaxDepth {
		return nil, p.limitf(off, "expression nested deeper than %d levels", MaxDepth)
	}
	return n, nil
}

// leaf returns a literal or column node.
func (p *parser) leaf(o op, v Value, col uint8) *node {
	n, _ := p.newNode(0, o) // a leaf cannot be too deep
	n.val, n.col = v, col
	return n
}

// logical returns l AND r (or OR), flattened so that equal trees print
// alike: (a AND b) AND c and a AND (b AND c) are both AND(a, b, c).
func (p *parser) logical(off int, o op, l, r *node) (*node, error) {
	var args []*node
	for _, x := range [2]*node{l, r} {
		if x.op == o {
			args = append(args, x.args...)
		} else {
			args = append(args, x)
		}
	}
	return p.newNode(off, o, args...)
}

// parseFilter parses one filter, up to a ';' or the end of the text.
func (p *parser) parseFilter() (*node, error) {
	p.parens, p.nest = 0, 0
	return p.expr(precOr)
}

// expr parses an expression whose infix operators bind at least as
// tightly as min (precedence climbing).
func (p *parser) expr(min int) (*node, error) {
	left, err := p.prefix()
	for err == nil {
		prec := infixPrec(p.peek().kind)
		if prec == 0 || prec < min {
			return left, nil
		}
		left, err = p.infix(left, prec)
	}
	return nil, err
}

// prefix parses NOT x, -x, +x, ~x or a primary.
func (p *parser) prefix() (*node, error) {
	t := p.peek()
	switch t.kind {
	case tNot: // as in SQLite, also as an operand: 1 = NOT 0 = 2 is 1 = (NOT (0 = 2))
		p.pos++
		return p.unary(t, opNot, precNot)
	case tMinus:
		p.pos++
		if q := p.peek(); q.kind == tInt {
			p.pos++
			return p.leaf(opLit, IntValue(-int64(q.u)), 0), nil // -(1<<63) is math.MinInt64
		}
		return p.unary(t, opNeg, precUnary)
	case tTilde:
		p.pos++
		return p.unary(t, opBitNot, precUnary)
	case tPlus:
		p.pos++
		return p.unary(t, opPos, precUnary)
	}
	return p.primary()
}

// unary parses the operand of the prefix operator t.
func (p *parser) unary(t token, o op, prec int) (*node, error) {
	if err := p.enter(t, false); err != nil {
		return nil, err
	}
	defer p.leave(false)
	x, err := p.expr(prec)
	if err != nil {
		return nil, err
	}
	return p.newNode(t.off, o, x)
}

// primary parses a literal, a column or a parenthesized expression.
func (p *parser) primary() (*node, error) {
	t := p.next()
	switch t.kind {
	case tInt:
		if t.u > math.MaxInt64 {
			return nil, p.errorf(t.off, "integer literal out of range")
		}
		return p.leaf(opLit, IntValue(int64(t.u)), 0), nil
	case tString:
		return p.leaf(opLit, TextValue(t.text), 0), nil
	case tNull:
		return p.leaf(opLit, Value{}, 0), nil
	case tTrue, tFalse:
		n := p.leaf(opLit, boolValue(t.kind == tTrue), 0)
		n.kw = true
		return n, nil
	case tIdent:
		return p.column(t)
	case tLParen:
		return p.paren(t)
	}
	return nil, p.unexpected(t)
}

// paren parses the rest of a parenthesized expression.
func (p *parser) paren(t token) (*node, error) {
	if err := p.enter(t, true); err != nil {
		return nil, err
	}
	defer p.leave(true)
	x, err := p.expr(precOr)
	if err != nil {
		return nil, err
	}
	return x, p.expect(tRParen, "')'")
}

// column parses the identifier t, which must be C0..C9 in any case.
func (p *parser) column(t token) (*node, error) {
	name := t.text
	if len(name) == 2 && name[0]|0x20 == 'c' && isDigit(name[1]) {
		return p.leaf(opCol, Value{}, name[1]-'0'), nil
	}
	switch {
	case unsupported[strings.ToUpper(name)]:
		return nil, p.errorf(t.off, "unsupported keyword %s", strings.ToUpper(name))
	case p.peek().kind == tLParen:
		return nil, p.errorf(t.off, "unsupported function %q", name)
	}
	return nil, p.errorf(t.off, "unknown column %q (columns are C0 to C9)", name)
}

// infix parses the operator at the current token and its right operands.
func (p *parser) infix(left *node, prec int) (*node, error) {
	t := p.next()
	switch t.kind {
	case tIs:
		neg := p.accept(tNot)
		right, err := p.expr(precEq + 1)
		if err != nil {
			return nil, err
		}
		n, err := p.newNode(t.off, opIs, left, right)
		if err == nil {
			n.neg = neg
		}
		return n, err
	case tNot:
		q := p.next()
		if q.kind != tBetween && q.kind != tIn && q.kind != tLike {
			return nil, p.errorf(q.off, "expected BETWEEN, IN or LIKE after NOT")
		}
		return p.special(q, left, true)
	case tBetween, tIn, tLike:
		return p.special(t, left, false)
	}
	o := binaryOps[t.kind]
	right, err := p.expr(prec + 1)
	if err != nil {
		return nil, err
	}
	if o == opAnd || o == opOr {
		return p.logical(t.off, o, left, right)
	}
	return p.newNode(t.off, o, left, right)
}

// special parses the rest of x [NOT] BETWEEN, IN or LIKE, t being the keyword.
func (p *parser) special(t token, x *node, neg bool) (*node, error) {
	var n *node
	var err error
	switch t.kind {
	case tBetween:
		n, err = p.between(t, x)
	case tIn:
		n, err = p.in(t, x)
	default:
		n, err = p.like(t, x)
	}
	if err != nil {
		return nil, err
	}
	n.neg = neg
	return n, nil
}

// between parses lo AND hi.
func (p *parser) between(t token, x *node) (*node, error) {
	lo, err := p.expr(precEq + 1)
	if err != nil {
		return nil, err
	}
	if err := p.expect(tAnd, "AND in BETWEEN"); err != nil {
		return nil, err
	}
	hi, err := p.expr(precEq + 1)
	if err != nil {
		return nil, err
	}
	return p.newNode(t.off, opBetween, x, lo, hi)
}

// in parses a parenthesized list of at most MaxInList expressions.
func (p *parser) in(t token, x *node) (*node, error) {
	if err := p.expect(tLParen, "'(' after IN"); err != nil {
		return nil, err
	}
	if err := p.enter(t, true); err != nil {
		return nil, err
	}
	defer p.leave(true)
	args := []*node{x}
	for !p.accept(tRParen) {
		if len(args) > 1 {
			if err := p.expect(tComma, "',' or ')' in IN list"); err != nil {
				return nil, err
			}
		}
		if len(args) > MaxInList {
			return nil, p.limitf(p.peek().off, "IN list longer than %d items", MaxInList)
		}
		item, err := p.expr(precOr)
		if err != nil {
			return nil, err
		}
		args = append(args, item)
	}
	return p.newNode(t.off, opIn, args...)
}

// like parses a pattern and an optional ESCAPE, which must be a string
// literal of exactly one UTF-8 character.
func (p *parser) like(t token, x *node) (*node, error) {
	pat, err := p.expr(precEq + 1)
	if err != nil {
		return nil, err
	}
	n, err := p.newNode(t.off, opLike, x, pat)
	if err != nil || !p.accept(tEscape) {
		return n, err
	}
	e := p.next()
	if e.kind != tString || !utf8.ValidString(e.text) || utf8.RuneCountInString(e.text) != 1 {
		return nil, p.errorf(e.off, "ESCAPE needs a string of one character")
	}
	n.esc, _ = utf8.DecodeRuneInString(e.text)
	return n, nil
}
