package match

import (
	"strings"
	"unicode/utf8"
)

// op is the operation of an AST node.
type op uint8

const (
	opLit    op = iota // val
	opCol              // row[col]
	opNeg              // -x
	opPos              // +x, a no-op kept so that x IS +TRUE stays x IS 1
	opBitNot           // ~x
	opNot              // NOT x
	opAnd              // args[0] AND args[1] AND ... (flattened)
	opOr               // args[0] OR args[1] OR ... (flattened)
	opEq
	opNe
	opLt
	opLe
	opGt
	opGe
	opIs      // x IS [NOT] y
	opBetween // x [NOT] BETWEEN lo AND hi
	opIn      // x [NOT] IN (items...)
	opLike    // x [NOT] LIKE pattern [ESCAPE esc]
	opBitAnd
	opBitOr
	opShl
	opShr
	opAdd
	opSub
	opMul
	opDiv
	opMod
	opConcat
)

// Precedence levels, lowest first, as in SQLite.
const (
	precOr = 1 + iota
	precAnd
	precNot
	precEq  // = == != <> IS BETWEEN IN LIKE
	precRel // < <= > >=
	precBit // & | << >>
	precAdd // + -
	precMul // * / %
	precConcat
	precUnary // - ~ (and a dropped +)
	precPrimary
)

// noEscape is the esc of a LIKE without ESCAPE.
const noEscape rune = -1

// A node is a node of a filter's AST. Nodes hold no source offsets, so
// printing and parsing again gives an equal tree.
type node struct {
	val   Value   // opLit
	args  []*node // operands, in source order
	esc   rune    // opLike: escape character or noEscape
	op    op
	col   uint8 // opCol
	depth uint8 // 1 for a leaf
	neg   bool  // NOT BETWEEN, NOT IN, NOT LIKE, IS NOT
	kw    bool  // opLit written TRUE or FALSE: x IS TRUE tests truth
}

// opInfo describes the binary operators for parsing and printing.
var opInfo = [...]struct {
	text string
	prec int
}{
	opAnd: {"AND", precAnd}, opOr: {"OR", precOr},
	opEq: {"=", precEq}, opNe: {"<>", precEq}, opIs: {"IS", precEq},
	opBetween: {"BETWEEN", precEq}, opIn: {"IN", precEq}, opLike: {"LIKE", precEq},
	opLt: {"<", precRel}, opLe: {"<=", precRel}, opGt: {">", precRel}, opGe: {">=", precRel},
	opBitAnd: {"&", precBit}, opBitOr: {"|", precBit}, opShl: {"<<", precBit}, opShr: {">>", precBit},
	opAdd: {"+", precAdd}, opSub: {"-", precAdd},
	opMul: {"*", precMul}, opDiv: {"/", precMul}, opMod: {"%", precMul},
	opConcat: {"||", precConcat},
}

// prec returns the precedence of n's operator.
func (n *node) prec() int {
	switch n.op {
	case opLit, opCol:
		return precPrimary
	case opNeg, opPos, opBitNot:
		return precUnary
	case opNot:
		return precNot
	}
	return opInfo[n.op].prec
}

// String returns n in canonical form: upper-case keywords, single spaces
// and only the parentheses precedence requires.
func (n *node) String() string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}

// write prints n.
func (n *node) write(b *strings.Builder) {
	switch n.op {
	case opLit:
		b.WriteString(n.literal())
	case opCol:
		b.WriteString(columnNames[n.col])
	case opNeg, opPos, opBitNot:
		n.writeUnary(b)
	case opNot:
		b.WriteString("NOT ")
		n.args[0].writeIn(b, n.args[0].prec() < precNot)
	case opAnd, opOr:
		n.writeList(b)
	default:
		n.writeInfix(b)
	}
}

// unaryText is the spelling of the prefix operators.
var unaryText = [...]string{opNeg: "-", opPos: "+", opBitNot: "~"}

// writeUnary prints -x, +x or ~x. Unary operators bind tightest, so only a
// binary or NOT operand needs parentheses, and so does an integer literal
// after - (-(5) must not read back as the literal -5). A - before a minus
// sign gets a space, since -- would start a comment.
func (n *node) writeUnary(b *strings.Builder) {
	x := n.args[0]
	intLit := x.op == opLit && x.val.kind == KindInt && !x.kw
	b.WriteString(unaryText[n.op])
	if n.op == opNeg && (x.op == opNeg || intLit && x.val.i < 0) {
		b.WriteByte(' ')
	}
	x.writeIn(b, x.prec() < precUnary || n.op == opNeg && intLit && x.val.i >= 0)
}

// literal returns the text of a literal node.
func (n *node) literal() string {
	switch {
	case !n.kw:
		return n.val.String()
	case n.val.i != 0:
		return "TRUE"
	}
	return "FALSE"
}

// writeIn prints n, in parentheses if paren.
func (n *node) writeIn(b *strings.Builder, paren bool) {
	if paren {
		b.WriteByte('(')
	}
	n.write(b)
	if paren {
		b.WriteByte(')')
	}
}

// writeList prints a flattened AND or OR.
func (n *node) writeList(b *strings.Builder) {
	p := n.prec()
	for i, x := range n.args {
		if i > 0 {
			b.WriteString(" " + opInfo[n.op].text + " ")
		}
		x.writeIn(b, x.prec() <= p)
	}
}

// writeInfix prints a binary operator, IS, BETWEEN, IN or LIKE. All are left
// associative: the left operand may have the same precedence, the others
// need a higher one.
func (n *node) writeInfix(b *strings.Builder) {
	p := n.prec()
	n.args[0].writeIn(b, n.args[0].prec() < p)
	b.WriteByte(' ')
	if n.neg && n.op != opIs {
		b.WriteString("NOT ")
	}
	b.WriteString(opInfo[n.op].text)
	if n.neg && n.op == opIs {
		b.WriteString(" NOT")
	}
	b.WriteByte(' ')
	switch n.op {
	case opIn:
		b.WriteByte('(')
		for i, x := range n.args[1:] {
			if i > 0 {
				b.WriteString(", ")
			}
			x.write(b)
		}
		b.WriteByte(')')
		return
	case opBetween:
		n.args[1].writeIn(b, n.args[1].prec() <= p)
		b.WriteString(" AND ")
		n.args[2].writeIn(b, n.args[2].prec() <= p)
		return
	}
	n.args[1].writeIn(b, n.args[1].prec() <= p)
	if n.op == opLike && n.esc != noEscape {
		b.WriteString(" ESCAPE " + quote(string(n.esc)))
	}
}

// decodeChar decodes the character at s[i]: a UTF-8 sequence, or a single
// invalid byte (returned as utf8.RuneError with width 1).
func decodeChar(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}
