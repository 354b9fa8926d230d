package main

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/bosonrt/boson/relay/client"
	"github.com/bosonrt/boson/relay/protocol"
)

func TestPrinterLines(t *testing.T) {
	tests := []struct {
		name       string
		event      client.Event
		text, json string
	}{
		{
			"custom", &client.CustomEvent{Code: 5, Sender: 1, Payload: []byte("hello"), Reliable: true},
			`event code=5 from=1 channel=0 reliable=true data="hello"`,
			`{"type":"event","code":5,"from":1,"channel":0,"reliable":true,"data":"hello"}`,
		},
		{
			"binary", &client.CustomEvent{Code: 1, Sender: 0, Payload: []byte{0xff, 0}, Channel: 1},
			`event code=1 from=0 channel=1 reliable=false data="\xff\x00"`,
			`{"type":"event","code":1,"from":0,"channel":1,"reliable":false,"data_base64":"/wA="}`,
		},
		{
			"join", &client.JoinEvent{Actor: client.Actor{Nr: 2, Nickname: "bob"}, Actors: []int{1, 2}},
			`join actor=2 name=bob actors=1,2`,
			`{"type":"join","actor":2,"name":"bob","actors":[1,2]}`,
		},
		{
			"join with odd name", &client.JoinEvent{Actor: client.Actor{Nr: 3, Nickname: "a b", UserID: "u1",
				Properties: map[string]any{"hp": int64(3)}}, Actors: []int{3}},
			`join actor=3 name="a b" actors=3 user=u1 {"hp":3}`,
			`{"type":"join","actor":3,"name":"a b","user":"u1","actors":[3],"properties":{"hp":3}}`,
		},
		{
			"leave", &client.LeaveEvent{Actor: 2, Actors: []int{1}},
			`leave actor=2 inactive=false actors=1`,
			`{"type":"leave","actor":2,"inactive":false,"actors":[1]}`,
		},
		{
			"last leave", &client.LeaveEvent{Actor: 1, Inactive: true},
			`leave actor=1 inactive=true actors=`,
			`{"type":"leave","actor":1,"inactive":true,"actors":[]}`,
		},
		{
			"props", &client.PropertiesChangedEvent{Target: 0, Sender: 1, Properties: map[string]any{"k": int64(1), "a": nil}},
			`props target=0 from=1 {"a":null,"k":1}`,
			`{"type":"props","target":0,"from":1,"properties":{"a":null,"k":1}}`,
		},
		{
			"master", &client.MasterClientChangedEvent{Master: 2, Previous: 1},
			`master 2 (was 1)`,
			`{"type":"master","master":2,"previous":1}`,
		},
		{
			"error", &client.ErrorInfoEvent{Code: protocol.CodeOperationLimitReached, Message: "slow down"},
			`error OperationLimitReached: slow down`,
			`{"type":"error","code":"OperationLimitReached","number":32743,"message":"slow down"}`,
		},
		{
			"cache slice", &client.CacheSliceChangedEvent{Index: 3},
			`cache-slice 3`,
			`{"type":"cache-slice","index":3}`,
		},
		{
			"disconnected", &client.DisconnectedEvent{Err: errors.New("gone")},
			`disconnected: gone`,
			`{"type":"disconnected","error":"gone"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, asJSON := range []bool{false, true} {
				var b bytes.Buffer
				newPrinter(&b, asJSON).event(tt.event)
				want := tt.text
				if asJSON {
					want = tt.json
				}
				if got := b.String(); got != want+"\n" {
					t.Errorf("json=%v: got %q, want %q", asJSON, got, want+"\n")
				}
			}
		})
	}
}

func TestPrinterSurvivesValuesJSONCannotHold(t *testing.T) {
	var b bytes.Buffer
	newPrinter(&b, true).event(&client.PropertiesChangedEvent{Properties: map[string]any{"x": math.NaN()}})
	if got, want := b.String(), `{"type":"unprintable","text":"props target=0 from=0 map[x:NaN]","error":`; !bytes.HasPrefix([]byte(got), []byte(want)) {
		t.Errorf("got %q, want it to start with %q", got, want)
	}
}

func TestJoinedLine(t *testing.T) {
	r := &client.Room{Name: "lobby", ActorNr: 2, Master: 1, Created: false, Actors: map[int]*client.Actor{
		3: {Nr: 3}, 1: {Nr: 1}, 2: {Nr: 2}, 4: {Nr: 4, Inactive: true},
	}}
	var b bytes.Buffer
	newPrinter(&b, false).joined(r)
	if got, want := b.String(), "joined room=lobby actor=2 master=1 actors=1,2,3 created=false\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
