package relay

import (
	"errors"
	"slices"

	"github.com/bosonrt/boson/relay/protocol"
)

// Bounds of the access options a creator gives.
const (
	maxDescription = 256
	maxTags        = 16
	maxTagBytes    = 64
	maxMetas       = 32
	maxMetaKey     = 64
	maxRoomKey     = 128
)

// accessOptions are a room's access type, key, tags, metas and join approval. They
// are set at creation and never change, so they may be read without the room's lock.
type accessOptions struct {
	description string
	access      protocol.AccessType
	key         string // private rooms only
	tags        []string
	metas       []meta
	metasSize   int // encoded size, counted against MaxRoomPropertiesBytes
	approval    bool
	single      bool
}

// meta is a piece of room information visible from a user type up (0: everyone).
type meta struct {
	key   string
	value any
	level protocol.UserType
}

// readAccessOptions reads the access control options of a create request.
func readAccessOptions(p protocol.Params, o *roomOptions) error {
	ao := &accessOptions{}
	var errs [6]error
	var access int64
	ao.description, errs[0] = p.Str(protocol.ParamDescription, "")
	access, errs[1] = p.IntIn(protocol.ParamAccessType, 0, 0, int64(protocol.AccessFriends))
	ao.key, errs[2] = p.Str(protocol.ParamRoomKey, "")
	ao.tags, errs[3] = readTags(p)
	ao.approval, errs[4] = p.Bool(protocol.ParamJoinApproval, false)
	ao.single, errs[5] = p.Bool(protocol.ParamSingleRoom, false)
	if err := errors.Join(errs[:]...); err != nil {
		return err
	}
	ao.access = protocol.AccessType(access)
	if len(ao.description) > maxDescription {
		return errors.New("relay: a description is at most 256 bytes")
	}
	if err := ao.readKey(); err != nil {
		return err
	}
	metas, err := readMetas(p[protocol.ParamMetas])
	if err != nil {
		return err
	}
	ao.metas = metas
	ao.metasSize = metasSize(metas)
	o.access = ao
	return nil
}

// readKey checks the key: private rooms only; the relay picks one if none is given.
func (ao *accessOptions) readKey() error {
	switch {
	case ao.key != "" && ao.access != protocol.AccessPrivate:
		return errors.New("relay: only private rooms (access type 1) have a key")
	case len(ao.key) > maxRoomKey:
		return errors.New("relay: a room key is at most 128 bytes")
	case ao.access == protocol.AccessPrivate && ao.key == "":
		ao.key = randomID()
	}
	return nil
}

// readTags reads ParamTags: at most 16 tags of 1 to 64 bytes, duplicates dropped.
func readTags(p protocol.Params) ([]string, error) {
	tags, err := p.Strings(protocol.ParamTags)
	if err != nil {
		return nil, err
	}
	if len(tags) > maxTags {
		return nil, errors.New("relay: at most 16 tags")
	}
	var out []string
	for _, t := range tags {
		if len(t) == 0 || len(t) > maxTagBytes {
			return nil, errors.New("relay: a tag is 1 to 64 bytes")
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// readMetas reads ParamMetas: an array of at most 32 maps {"key": string of 1 to 64
// bytes, "value": any, "level": 0 to 3}; keys are unique.
func readMetas(v any) ([]meta, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, errors.New("relay: metas are an array of {\"key\", \"value\", \"level\"} maps")
	}
	if len(list) > maxMetas {
		return nil, errors.New("relay: at most 32 metas")
	}
	out := make([]meta, 0, len(list))
	for _, e := range list {
		m, err := readMeta(e)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(x meta) bool { return x.key == m.key }) {
			return nil, errors.New("relay: meta key " + quote(m.key) + " given twice")
		}
		out = append(out, m)
	}
	return out, nil
}

func readMeta(v any) (meta, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return meta{}, errors.New("relay: a meta is a map {\"key\", \"value\", \"level\"}")
	}
	key, _ := m["key"].(string)
	if len(key) == 0 || len(key) > maxMetaKey {
		return meta{}, errors.New("relay: a meta key is a string of 1 to 64 bytes")
	}
	var level int64
	if l, ok := m["level"]; ok {
		if level, ok = l.(int64); !ok || level < 0 || level > int64(protocol.UserOwner) {
			return meta{}, errors.New("relay: a meta level is 0 (everyone) to 3 (owners)")
		}
	}
	for k := range m {
		if k != "key" && k != "value" && k != "level" {
			return meta{}, errors.New("relay: unknown meta field " + quote(k))
		}
	}
	return meta{key: key, value: m["value"], level: protocol.UserType(level)}, nil
}

func metasSize(ms []meta) int {
	n := 0
	for _, m := range ms {
		b, err := protocol.AppendValue(nil, m.value)
		if err == nil {
			n += len(b)
		}
		n += len(m.key) + 2
	}
	return n
}

// metasFor returns the metas visible to user type t, as wire maps.
func (ao *accessOptions) metasFor(t protocol.UserType) []any {
	out := []any{}
	for _, m := range ao.metas {
		if m.level <= t {
			out = append(out, map[string]any{"key": m.key, "value": m.value, "level": int64(m.level)})
		}
	}
	return out
}

// listed says whether lobby room lists and random matching may see the room:
// private and friends rooms never.
func (ao *accessOptions) listed() bool {
	return ao == nil || ao.access == protocol.AccessPublic
}

// readAccessJoinParams reads the key and user type a joiner asks with.
func readAccessJoinParams(p protocol.Params, jp *joinParams) error {
	key, err1 := p.Str(protocol.ParamRoomKey, "")
	t, err2 := p.IntIn(protocol.ParamUserType, 0, 0, int64(protocol.UserOwner))
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	if len(key) > maxRoomKey {
		return errors.New("relay: a room key is at most 128 bytes")
	}
	jp.key, jp.userType = key, protocol.UserType(t)
	if jp.userType == protocol.UserEveryone {
		jp.userType = protocol.UserMember
	}
	return nil
}
