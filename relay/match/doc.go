// Package match parses and evaluates the filters of SQL lobbies: the WHERE
// clauses over the room columns C0..C9 that Photon's SqlLobby takes in
// JoinRandomRoom and GetGameList, such as
//
//	C0 BETWEEN 345 AND 475 AND C1 = 'Map2'
//	C1 IN ('Map1', 'Map2'); C1 = 'Map3'
//
// [Parse] turns a filter text into [Filters], one tree per filter; a
// [Filter] then evaluates itself against a room's [Row] without allocating.
// [Columns] locks each column's type per lobby, as Photon does.
//
// # Why hand-written, and why no SQL engine
//
// Photon keeps a lobby's rooms in an SQLite table and uses the client's
// text as the WHERE clause of a query, which is why it refuses words such as
// DROP. Here nothing is ever given to a SQL engine: the text is tokenized,
// parsed into a tree of the operators below and evaluated by this package,
// so injection is impossible by construction; the forbidden words are still
// refused, for compatibility and so that such attempts show up as
// [ErrForbiddenWord]. An engine would also be a poor fit: SQLite means cgo,
// or a very large pure-Go translation, for a ten-column WHERE clause; the
// grammar is small; and a hand-written evaluator bounds resource use (text
// length, nesting, list sizes, string lengths, O(n·m) LIKE) and allocates
// nothing per room.
//
// # Grammar
//
// Keywords and column names are case-insensitive; whitespace is space, tab,
// CR, LF and FF. The alternatives of expr are listed from the loosest
// binding to the tightest, in SQLite's ten levels: OR; AND; NOT; then
// = == != <> IS BETWEEN IN LIKE together; then < <= > >=; & | << >>;
// + -; * / %; ||; and the prefix operators. Binary operators of a level are
// left-associative.
//
//	text     = filter { ";" filter } [ ";" ]      (1 to 3 filters)
//	filter   = expr
//	expr     = expr OR expr
//	         | expr AND expr
//	         | NOT expr
//	         | expr ( "=" | "==" | "!=" | "<>" ) expr
//	         | expr IS [ NOT ] expr
//	         | expr [ NOT ] BETWEEN expr AND expr
//	         | expr [ NOT ] IN "(" [ expr { "," expr } ] ")"
//	         | expr [ NOT ] LIKE expr [ ESCAPE string ]
//	         | expr ( "<" | "<=" | ">" | ">=" ) expr
//	         | expr ( "&" | "|" | "<<" | ">>" ) expr
//	         | expr ( "+" | "-" ) expr
//	         | expr ( "*" | "/" | "%" ) expr
//	         | expr "||" expr
//	         | ( "-" | "+" | "~" ) expr
//	         | "(" expr ")" | column | integer | string | NULL | TRUE | FALSE
//	column   = C0 | C1 | ... | C9
//	integer  = digit { digit }                     (64-bit; -9223372036854775808 is allowed)
//	string   = "'" { char | "''" } "'"             ('' is one quote)
//
// NOT binds more loosely than comparisons: NOT C0 = 1 is NOT (C0 = 1), and
// as an operand it takes everything that binds more tightly than it, as in
// SQLite: 1 = NOT 0 = 2 is 1 = (NOT (0 = 2)). The bounds of BETWEEN, the
// right side of IS and comparisons, and LIKE patterns bind at the next
// level up: C0 BETWEEN 1 AND 2 AND C1 = 3 has the obvious meaning. The
// ESCAPE argument must be a string literal of exactly one UTF-8 character.
// TRUE and FALSE are 1 and 0, except right after IS or IS NOT (see below).
//
// Refused with a [SyntaxError] giving the filter number and byte offset:
// identifiers other than C0..C9 (named in the error, with a clearer message
// for functions and for SQLite keywords such as GLOB or CASE), real numbers,
// integer literals out of range, quoted identifiers ("C0", `C0`, [C0]),
// comments (-- and /* */: a filter has no use for them and they are a
// classic injection tool), empty filters (";;", a leading ";"), and the
// forbidden words ALTER, CREATE, DELETE, DROP, EXEC, EXECUTE, INSERT, MERGE,
// SELECT, UPDATE and UNION anywhere outside string literals
// ([ErrForbiddenWord]; C1 = 'select' is fine). Forbidden words and other
// lexical errors are found before any grammar error, in text order.
//
// Limits ([ErrLimit]): [MaxTextLen] bytes of text, [MaxFilters] filters,
// [MaxInList] items per IN list, and [MaxDepth] levels of nesting, counted
// both as the depth of the tree (a leaf is one level, and AND and OR chains
// count as one level) and as nested parentheses and IN lists.
//
// # Semantics
//
// Values are NULL, 64-bit integers and text (compared bytewise, SQLite's
// BINARY collation). A column the room does not set is NULL. Logic is
// three-valued, as in SQL: comparisons with NULL are NULL; NOT NULL is
// NULL; false AND NULL is false; true OR NULL is true. A filter matches a
// room only if it evaluates to true: a non-zero integer. In a boolean
// context text counts as false (SQLite would read its numeric prefix).
//
// Comparisons never convert between integers and text: all integers sort
// before all text, so with C0 = 5 the filter C0 = '5' is false and
// C0 < 'a' is true. This is SQLite's rule for operands without type
// affinity, such as columns declared without a type (SELECT 5 = '5' is 0).
// SQLite would convert '5' to 5 for a column declared INTEGER, but here a
// column has no declared type, only the type its first value locks (see
// [Columns]), so a literal of the wrong type simply matches nothing, the
// same way for every lobby. Compare integer columns with integers and text
// columns with strings.
//
//   - = == != <> < <= > >= give 1, 0 or NULL. x IS y is true when both
//     are NULL or both are equal; it is never NULL. As in SQLite, x IS TRUE
//     and x IS FALSE, with the keyword itself as right operand (possibly in
//     parentheses), test whether x is true or false instead, NULL being
//     neither: 5 IS TRUE is 1 but 5 IS 1 is 0. Unary + changes nothing.
//   - x BETWEEN a AND b is x >= a AND x <= b; NOT BETWEEN is its negation.
//   - x IN (list) is true if an item equals x (same rule as =), else NULL if
//     x or an item is NULL, else false; x IN () is false, even for NULL x.
//   - LIKE: % matches any run of characters, _ one UTF-8 character; ASCII
//     letters match either case, other characters only themselves; after the
//     ESCAPE character, the next character is literal (a pattern ending in
//     it matches nothing). An integer operand is matched as its decimal text.
//   - + - * / % & | << >> and unary - ~ take integers. Text operands give
//     NULL (SQLite would convert text to a number); so do overflow (SQLite
//     would switch to floating point, which filters do not have) and
//     division or remainder by zero. / truncates toward zero and % takes the
//     sign of the left operand. A negative shift count shifts the other way;
//     counts of 64 or more give 0 (or -1 for a negative number shifted right).
//   - || concatenates text, rendering integers as decimal text; with a NULL
//     operand it is NULL. A result longer than 4096 bytes is NULL (SQLite
//     would fail the query) so that no row makes a filter use much memory.
//
// [Filter.Match] does not allocate: the tree is evaluated in place and ||
// results go to a 512-byte stack buffer (a filter building longer strings
// allocates, only for those).
package match
