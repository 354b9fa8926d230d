package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// splitWords splits a line of input into words at blanks. A word may be quoted with
// ' (taken as it is) or " (where \ escapes the next character); quotes may join
// several parts of one word, as in a shell.
func splitWords(line string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	escaped := false
	for _, r := range line {
		switch {
		case escaped:
			w.WriteRune(r)
			escaped = false
		case quote == '"' && r == '\\':
			escaped = true
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 || escaped {
		return nil, errors.New("unterminated quote")
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// parseArgs parses the flags of fs wherever they are among args and returns the other
// arguments in order. After "--" every argument is positional.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	pos := []string{}
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseValue reads a property value: an integer, a float, true or false, null (nil),
// or else the string itself.
func parseValue(s string) any {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		return f
	}
	switch s {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	return s
}

// intList is a flag of comma-separated actor numbers.
type intList []int

func (l *intList) String() string { return fmt.Sprint([]int(*l)) }

func (l *intList) Set(s string) error {
	*l = nil
	for part := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return fmt.Errorf("%q is not a number", part)
		}
		*l = append(*l, n)
	}
	return nil
}

// groupList is a flag of comma-separated interest groups, or "all". Its list stays
// nil until the flag is set; "all" sets an empty list.
type groupList struct{ list []uint8 }

func (g *groupList) String() string { return fmt.Sprint(g.list) }

func (g *groupList) Set(s string) error {
	g.list = []uint8{}
	if s == "all" {
		return nil
	}
	for part := range strings.SplitSeq(s, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(part), 10, 8)
		if err != nil {
			return fmt.Errorf("group %q: want 0 to 255, or all", part)
		}
		g.list = append(g.list, uint8(n))
	}
	return nil
}

// propsValue is a flag of k=v properties; each use adds one.
type propsValue map[string]any

func (p *propsValue) String() string { return fmt.Sprint(map[string]any(*p)) }

func (p *propsValue) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q: want key=value", s)
	}
	if *p == nil {
		*p = propsValue{}
	}
	(*p)[k] = parseValue(v)
	return nil
}

// ttlValue is a duration flag that also accepts "forever" (stored as -1).
type ttlValue time.Duration

func (t *ttlValue) String() string {
	if *t < 0 {
		return "forever"
	}
	return time.Duration(*t).String()
}

func (t *ttlValue) Set(s string) error {
	if s == "forever" {
		*t = -1
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("%q: want a duration such as 30s, or forever", s)
	}
	*t = ttlValue(d)
	return nil
}
