package match

import (
	"math/rand/v2"
	"testing"
)

// benchRows returns n rooms with C0 in [0, 1000), C1 one of five maps and
// C2 in [0, 6).
func benchRows(n int) []Row {
	r := rand.New(rand.NewPCG(1, 2))
	maps := []string{"Map1", "Map2", "Map3", "Map4", "Map5"}
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = Row{IntValue(r.Int64N(1000)), TextValue(maps[r.IntN(len(maps))]), IntValue(r.Int64N(6))}
	}
	return rows
}

func BenchmarkParse(b *testing.B) {
	text := "C0 BETWEEN 345 AND 475 AND C1 = 'Map2' AND C2 IN (1, 2, 3); " +
		"C0 BETWEEN 200 AND 600 AND C1 IN ('Map1', 'Map2'); C1 LIKE 'map%'"
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(text); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	rows := benchRows(10000)
	for _, bm := range []struct{ name, filter string }{
		{"range-eq-in", "C0 BETWEEN 345 AND 475 AND C1 = 'Map2' AND C2 IN (1, 2, 3)"},
		{"like", "C1 LIKE 'map%' AND C0 >= 500 AND C2 <> 0"},
		{"concat", "C1 || ':' || C2 = 'Map2:3' AND C0 < 900 AND C0 % 2 = 0"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			fs, err := Parse(bm.filter)
			if err != nil {
				b.Fatal(err)
			}
			f := fs.Filter(0)
			b.ReportAllocs()
			passes, matched := 0, 0
			for b.Loop() {
				for i := range rows {
					if f.Match(&rows[i]) {
						matched++
					}
				}
				passes++
			}
			evaluated := float64(passes * len(rows))
			b.ReportMetric(evaluated/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(matched)/evaluated, "matched/row")
		})
	}
}
