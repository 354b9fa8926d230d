package relay

import "errors"

// compileSQL parses a SQL lobby filter (see package match).
func compileSQL(text string) ([]roomFilter, error) {
	return nil, errors.New("relay: SQL filters are not available yet")
}
