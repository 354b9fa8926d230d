package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/bosonrt/boson/relay/client"
)

// printer writes one line per event, as text or as JSON. It is safe for concurrent use.
type printer struct {
	json bool
	mu   sync.Mutex // guards w
	w    io.Writer
}

func newPrinter(w io.Writer, asJSON bool) *printer { return &printer{w: w, json: asJSON} }

// line writes the text line, or the JSON encoding of v.
func (p *printer) line(text string, v any) {
	if p.json {
		b, err := json.Marshal(v)
		if err != nil { // a value JSON cannot hold, such as NaN
			b, _ = json.Marshal(struct {
				Type  string `json:"type"`
				Text  string `json:"text"`
				Error string `json:"error"`
			}{"unprintable", text, err.Error()})
		}
		text = string(b)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w, text)
}

// joined prints the room the client joined.
func (p *printer) joined(r *client.Room) {
	actors := activeActors(r)
	p.line(fmt.Sprintf("joined room=%s actor=%d master=%d actors=%s created=%t",
		word(r.Name), r.ActorNr, r.Master, ints(actors), r.Created),
		struct {
			Type    string `json:"type"`
			Room    string `json:"room"`
			Actor   int    `json:"actor"`
			Master  int    `json:"master"`
			Actors  []int  `json:"actors"`
			Created bool   `json:"created"`
		}{"joined", r.Name, r.ActorNr, r.Master, actors, r.Created})
}

// left prints that the client left the room.
func (p *printer) left(room string) {
	p.line("left room="+word(room), struct {
		Type string `json:"type"`
		Room string `json:"room"`
	}{"left", room})
}

// event prints one event of the client.
func (p *printer) event(e client.Event) {
	switch e := e.(type) {
	case *client.CustomEvent:
		p.customEvent(e)
	case *client.JoinEvent:
		p.joinEvent(e)
	case *client.LeaveEvent:
		p.line(fmt.Sprintf("leave actor=%d inactive=%t actors=%s", e.Actor, e.Inactive, ints(e.Actors)),
			struct {
				Type     string `json:"type"`
				Actor    int    `json:"actor"`
				Inactive bool   `json:"inactive"`
				Actors   []int  `json:"actors"`
			}{"leave", e.Actor, e.Inactive, nonNil(e.Actors)})
	case *client.PropertiesChangedEvent:
		p.line(fmt.Sprintf("props target=%d from=%d %s", e.Target, e.Sender, jsonText(e.Properties)),
			struct {
				Type       string         `json:"type"`
				Target     int            `json:"target"`
				From       int            `json:"from"`
				Properties map[string]any `json:"properties"`
			}{"props", e.Target, e.Sender, e.Properties})
	case *client.MasterClientChangedEvent:
		p.line(fmt.Sprintf("master %d (was %d)", e.Master, e.Previous), struct {
			Type     string `json:"type"`
			Master   int    `json:"master"`
			Previous int    `json:"previous"`
		}{"master", e.Master, e.Previous})
	case *client.ErrorInfoEvent:
		p.line(fmt.Sprintf("error %s: %s", e.Code.String(), e.Message), struct {
			Type    string `json:"type"`
			Code    string `json:"code"`
			Number  int32  `json:"number"`
			Message string `json:"message"`
		}{"error", e.Code.String(), int32(e.Code), e.Message})
	case *client.CacheSliceChangedEvent:
		p.line(fmt.Sprintf("cache-slice %d", e.Index), struct {
			Type  string `json:"type"`
			Index int    `json:"index"`
		}{"cache-slice", e.Index})
	case *client.DisconnectedEvent:
		p.line(fmt.Sprintf("disconnected: %v", e.Err), struct {
			Type  string `json:"type"`
			Error string `json:"error"`
		}{"disconnected", fmt.Sprint(e.Err)})
	default:
		if p.lobbyEvent(e) || p.groupEvent(e) || p.statusEvent(e) || p.accessEvent(e) {
			return
		}
		p.line(fmt.Sprintf("unknown event %T", e), map[string]string{"type": "unknown", "go_type": fmt.Sprintf("%T", e)})
	}
}

func (p *printer) customEvent(e *client.CustomEvent) {
	v := struct {
		Type     string `json:"type"`
		Code     uint8  `json:"code"`
		From     int    `json:"from"`
		Channel  int    `json:"channel"`
		Reliable bool   `json:"reliable"`
		Data     string `json:"data,omitempty"`
		Binary   []byte `json:"data_base64,omitempty"` // the payload when it is not UTF-8
	}{Type: "event", Code: e.Code, From: e.Sender, Channel: e.Channel, Reliable: e.Reliable}
	if utf8.Valid(e.Payload) {
		v.Data = string(e.Payload)
	} else {
		v.Binary = e.Payload
	}
	p.line(fmt.Sprintf("event code=%d from=%d channel=%d reliable=%t data=%q",
		e.Code, e.Sender, e.Channel, e.Reliable, e.Payload), v)
}

func (p *printer) joinEvent(e *client.JoinEvent) {
	a := e.Actor
	var b strings.Builder
	fmt.Fprintf(&b, "join actor=%d name=%s actors=%s", a.Nr, word(a.Nickname), ints(e.Actors))
	if a.UserID != "" {
		fmt.Fprintf(&b, " user=%s", word(a.UserID))
	}
	if len(a.Properties) > 0 {
		fmt.Fprintf(&b, " %s", jsonText(a.Properties))
	}
	p.line(b.String(), struct {
		Type       string         `json:"type"`
		Actor      int            `json:"actor"`
		Name       string         `json:"name"`
		User       string         `json:"user,omitempty"`
		Actors     []int          `json:"actors"`
		Properties map[string]any `json:"properties,omitempty"`
	}{"join", a.Nr, a.Nickname, a.UserID, nonNil(e.Actors), a.Properties})
}

// activeActors returns the numbers of the room's active actors, in order.
func activeActors(r *client.Room) []int {
	out := []int{}
	for _, nr := range slices.Sorted(maps.Keys(r.Actors)) {
		if !r.Actors[nr].Inactive {
			out = append(out, nr)
		}
	}
	return out
}

// ints formats actor numbers as 1,2,3.
func ints(l []int) string {
	s := make([]string, len(l))
	for i, n := range l {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

func nonNil(l []int) []int {
	if l == nil {
		return []int{}
	}
	return l
}

// word returns s as it is if it is one plain word, else quoted, so that a line splits
// at blanks the same way whatever the names are.
func word(s string) string {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool {
		return !unicode.IsPrint(r) || unicode.IsSpace(r) || r == '"' || r == '\'' || r == '\\' || r == '='
	}) {
		return strconv.Quote(s)
	}
	return s
}

// jsonText returns the JSON encoding of props (keys sorted), or a Go rendering if JSON
// cannot hold a value.
func jsonText(props map[string]any) string {
	b, err := json.Marshal(props)
	if err != nil {
		return fmt.Sprint(props)
	}
	return string(b)
}
