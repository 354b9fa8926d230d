package match

import (
	"cmp"
	"math"
	"strconv"
)

const (
	scratchLen   = 512  // bytes of the stack buffer for || results
	maxConcatLen = 4096 // longer || results are NULL, bounding memory per row
)

// tri is a three-valued truth value.
type tri uint8

const (
	isFalse tri = iota
	isTrue
	isNull
)

func (t tri) not() tri {
	if t == isNull {
		return isNull
	}
	return 1 - t
}

// and2 is the three-valued AND.
func and2(a, b tri) tri {
	switch {
	case a == isFalse || b == isFalse:
		return isFalse
	case a == isNull || b == isNull:
		return isNull
	}
	return isTrue
}

// truth converts v to a truth value: a non-zero integer is true, zero and
// text are false, NULL is NULL.
func (v Value) truth() tri {
	switch v.kind {
	case KindInt:
		if v.i != 0 {
			return isTrue
		}
		return isFalse
	case KindText:
		return isFalse
	}
	return isNull
}

// boolValue returns 1 or 0, as SQLite's comparisons do.
func boolValue(b bool) Value {
	if b {
		return IntValue(1)
	}
	return IntValue(0)
}

// triValue returns 1, 0 or NULL.
func triValue(t tri) Value {
	if t == isNull {
		return Value{}
	}
	return IntValue(int64(t))
}

// An evaluator evaluates a tree against a row. It lives on the stack of
// Filter.Match, so evaluation does not allocate.
//
// Text made by || is built in scratch (a stack buffer) and then copied into a
// string: filters with || (or LIKE on an integer) allocate, the others do not.
type evaluator struct {
	row     *Row
	budget  *int64 // steps left (nil: no limit); at zero evaluation gives NULL
	scratch []byte
	n       int // bytes of scratch in use
}

// eval returns the value of n for e.row. The operators whose value can be
// text are evaluated here, and every other one by compute, which returns
// integers or NULL only: then escape analysis sees that the text only flows
// to eval's result, and scratch stays on Match's stack (a helper in the
// recursion returning text would make it escape).
func (e *evaluator) eval(n *node) Value {
	if e.budget != nil {
		if *e.budget <= 0 {
			return Value{}
		}
		*e.budget--
	}
	switch n.op {
	case opLit:
		return n.val
	case opCol:
		return e.row[n.col]
	case opPos:
		return e.eval(n.args[0])
	case opConcat:
		return e.concat(e.eval(n.args[0]), e.eval(n.args[1]))
	}
	mark := e.n
	v := e.compute(n) // an integer or NULL: operands' scratch text is dead after it
	e.n = mark
	return v
}

// compute evaluates the operators other than literals, columns and ||.
func (e *evaluator) compute(n *node) Value {
	switch n.op {
	case opAnd:
		return e.and(n.args)
	case opOr:
		return e.or(n.args)
	case opNot:
		return triValue(e.eval(n.args[0]).truth().not())
	case opNeg, opBitNot:
		return unary(n.op, e.eval(n.args[0]))
	case opIs:
		return e.is(n)
	case opBetween:
		return e.between(n)
	case opIn:
		return e.in(n)
	case opLike:
		return e.like(n)
	case opEq, opNe, opLt, opLe, opGt, opGe:
		return triValue(compareOp(n.op, e.eval(n.args[0]), e.eval(n.args[1])))
	}
	return arith(n.op, e.eval(n.args[0]), e.eval(n.args[1]))
}

// is evaluates x IS [NOT] y: true if both are NULL or both are equal. As in
// SQLite, x IS TRUE and x IS FALSE (the keywords) test x's truth instead,
// NULL being neither.
func (e *evaluator) is(n *node) Value {
	a, y := e.eval(n.args[0]), n.args[1]
	var same bool
	if y.kw {
		same = a.truth() == boolTri(y.val.i != 0)
	} else {
		b := e.eval(y)
		same = a.kind == b.kind && (a.kind == KindNull || compare(a, b) == 0)
	}
	return boolValue(same != n.neg)
}

// and evaluates a flattened AND, stopping at the first false operand.
func (e *evaluator) and(args []*node) Value {
	res := isTrue
	for _, a := range args {
		switch e.eval(a).truth() {
		case isFalse:
			return IntValue(0)
		case isNull:
			res = isNull
		}
	}
	return triValue(res)
}

// or evaluates a flattened OR, stopping at the first true operand.
func (e *evaluator) or(args []*node) Value {
	res := isFalse
	for _, a := range args {
		switch e.eval(a).truth() {
		case isTrue:
			return IntValue(1)
		case isNull:
			res = isNull
		}
	}
	return triValue(res)
}

// compare orders two non-NULL values: integers before text, integers by
// value, text bytewise (SQLite's BINARY collation).
func compare(a, b Value) int {
	switch {
	case a.kind != b.kind:
		return int(a.kind) - int(b.kind)
	case a.kind == KindInt:
		return cmp.Compare(a.i, b.i)
	}
	return cmp.Compare(a.s, b.s) // not strings.Compare, which makes a.s escape
}

// compareOp applies a comparison operator; NULL operands give NULL.
func compareOp(o op, a, b Value) tri {
	if a.kind == KindNull || b.kind == KindNull {
		return isNull
	}
	c := compare(a, b)
	var ok bool
	switch o {
	case opEq:
		ok = c == 0
	case opNe:
		ok = c != 0
	case opLt:
		ok = c < 0
	case opLe:
		ok = c <= 0
	case opGt:
		ok = c > 0
	default:
		ok = c >= 0
	}
	return boolTri(ok)
}

func boolTri(b bool) tri {
	if b {
		return isTrue
	}
	return isFalse
}

// between evaluates x [NOT] BETWEEN lo AND hi as x >= lo AND x <= hi.
func (e *evaluator) between(n *node) Value {
	x, lo, hi := e.eval(n.args[0]), e.eval(n.args[1]), e.eval(n.args[2])
	t := and2(compareOp(opGe, x, lo), compareOp(opLe, x, hi))
	if n.neg {
		t = t.not()
	}
	return triValue(t)
}

// in evaluates x [NOT] IN (items): true if an item equals x, else NULL if x
// or an item is NULL, else false. An empty list is false even for NULL.
func (e *evaluator) in(n *node) Value {
	x, items := e.eval(n.args[0]), n.args[1:]
	t := isFalse
	if x.kind == KindNull && len(items) > 0 {
		t = isNull
		items = nil
	}
	for _, it := range items {
		mark := e.n
		v := e.eval(it)
		e.n = mark // v is dead after the comparison below
		if v.kind == KindNull {
			t = isNull
		} else if v.kind == x.kind && compare(x, v) == 0 {
			t = isTrue
			break
		}
	}
	if n.neg {
		t = t.not()
	}
	return triValue(t)
}

// like evaluates x [NOT] LIKE pattern [ESCAPE c]; integers are matched as
// their decimal text.
func (e *evaluator) like(n *node) Value {
	x, pat := e.eval(n.args[0]), e.eval(n.args[1])
	if x.kind == KindNull || pat.kind == KindNull {
		return Value{}
	}
	var xb, pb [20]byte
	s, p := textOf(x, xb[:0]), textOf(pat, pb[:0])
	if e.budget != nil { // LIKE costs up to len(s)×len(p) steps
		if *e.budget -= int64(len(s)) * int64(len(p)); *e.budget < 0 {
			return Value{}
		}
	}
	return boolValue(like(s, p, n.esc) != n.neg)
}

// textOf returns v's text, rendering an integer into buf.
func textOf(v Value, buf []byte) string {
	if v.kind == KindText {
		return v.s
	}
	return string(strconv.AppendInt(buf, v.i, 10))
}

// concat returns a || b: integers become decimal text; NULL or a result
// longer than maxConcatLen gives NULL.
func (e *evaluator) concat(a, b Value) Value {
	if a.kind == KindNull || b.kind == KindNull || len(a.s) > maxConcatLen || len(b.s) > maxConcatLen {
		return Value{}
	}
	free := e.scratch[e.n:e.n]
	out := appendText(appendText(free, a), b)
	switch {
	case len(out) > maxConcatLen:
		return Value{}
	case len(out) <= cap(free): // still in scratch: reserve it
		e.n += len(out)
	} // else append moved out to a new heap array that only this string uses
	return TextValue(string(out)) // a copy: no unsafe aliasing of the scratch buffer
}

// appendText appends v's text (decimal for an integer) to b.
func appendText(b []byte, v Value) []byte {
	if v.kind == KindInt {
		return strconv.AppendInt(b, v.i, 10)
	}
	return append(b, v.s...)
}

// unary evaluates -x and ~x: NULL unless x is an integer; -MinInt64
// overflows to NULL.
func unary(o op, v Value) Value {
	switch {
	case v.kind != KindInt:
		return Value{}
	case o == opBitNot:
		return IntValue(^v.i)
	case v.i == math.MinInt64:
		return Value{}
	}
	return IntValue(-v.i)
}

// arith evaluates the binary arithmetic and bitwise operators: NULL unless
// both operands are integers, and NULL on overflow or division by zero.
func arith(o op, a, b Value) Value {
	if a.kind != KindInt || b.kind != KindInt {
		return Value{}
	}
	x, y := a.i, b.i
	var r int64
	ok := true
	switch o {
	case opAdd:
		r = x + y
		ok = (x^r)&(y^r) >= 0
	case opSub:
		r = x - y
		ok = (x^y)&(x^r) >= 0
	case opMul:
		r, ok = mul(x, y)
	case opDiv:
		ok = y != 0 && (x != math.MinInt64 || y != -1)
		r = div(x, y, ok)
	case opMod:
		ok = y != 0
		r = mod(x, y, ok)
	case opBitAnd:
		r = x & y
	case opBitOr:
		r = x | y
	default:
		r = shift(x, y, o == opShl)
	}
	if !ok {
		return Value{}
	}
	return IntValue(r)
}

// mul returns x*y and whether it did not overflow.
func mul(x, y int64) (int64, bool) {
	if x == 0 || y == 0 {
		return 0, true
	}
	r := x * y
	if r/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
		return 0, false
	}
	return r, true
}

// div returns x/y truncated toward zero, if ok.
func div(x, y int64, ok bool) int64 {
	if !ok {
		return 0
	}
	return x / y
}

// mod returns x%y with the sign of x, if ok; x % -1 is 0.
func mod(x, y int64, ok bool) int64 {
	if !ok || y == -1 {
		return 0
	}
	return x % y
}

// shift is SQLite's << and >>: a negative count shifts the other way, and
// counts of 64 or more give 0, or -1 for a negative x shifted right.
func shift(x, n int64, left bool) int64 {
	if n < 0 {
		left = !left
		if n > -64 {
			n = -n
		} else {
			n = 64 // also avoids negating MinInt64
		}
	}
	if n >= 64 {
		if left || x >= 0 {
			return 0
		}
		return -1
	}
	if left {
		return int64(uint64(x) << n)
	}
	return x >> n
}
