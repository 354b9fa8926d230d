package main

import "testing"

// FuzzCommandLine feeds any line to the CLI's input parsers (words, join commands,
// properties, values): they must refuse what they cannot use, never panic.
func FuzzCommandLine(f *testing.F) {
	for _, s := range []string{
		`join-or-create arena -max 4 -ttl forever`,
		`create "my room" -hidden -empty-ttl 10s`,
		`set-room map=docks score=3 ratio=0.5 ok=true gone=null`,
		`set-player -actor 2 hp=10 -expect hp=9`,
		`raise 7 'hello world' -to 1,2 -cache add`,
		`"unterminated`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		words, err := splitWords(line)
		if err != nil || len(words) == 0 {
			return
		}
		parseJoin(words)
		parseProps(words, true) // words[0] is the command, as the input loop passes it
		parseValue(words[0])
	})
}
