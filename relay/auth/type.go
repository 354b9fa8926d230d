package auth

import (
	"fmt"
	"strings"
)

// Type is the kind of credentials a client presents. The values are Photon's
// CustomAuthenticationType values, so clients built for Photon send the same numbers.
type Type uint8

// Auth types. Every type but [None] is forwarded to the webhook with its name.
const (
	Custom         Type = 0   // the game's own credentials
	Steam          Type = 1   // a Steam session ticket
	Facebook       Type = 2   // a Facebook access token
	Oculus         Type = 3   // an Oculus user id and nonce
	PlayStation4   Type = 4   // a PlayStation 4 auth code
	Xbox           Type = 5   // an Xbox Live XSTS token
	Viveport       Type = 10  // a Viveport session token
	NintendoSwitch Type = 11  // a Nintendo Switch id token
	PlayStation5   Type = 12  // a PlayStation 5 auth code
	Epic           Type = 13  // an Epic Online Services token
	FacebookGaming Type = 15  // a Facebook Gaming token
	None           Type = 255 // no credentials: the relay's policy decides, not the webhook
)

// typeNames maps each known type to its name: the authType query parameter.
var typeNames = map[Type]string{
	Custom:         "custom",
	Steam:          "steam",
	Facebook:       "facebook",
	Oculus:         "oculus",
	PlayStation4:   "playstation4",
	Xbox:           "xbox",
	Viveport:       "viveport",
	NintendoSwitch: "nintendoswitch",
	PlayStation5:   "playstation5",
	Epic:           "epic",
	FacebookGaming: "facebookgaming",
	None:           "none",
}

// String returns the type's lowercase name, such as "steam", or "Type(7)" for a value
// that is not a known type.
func (t Type) String() string {
	if name, ok := typeNames[t]; ok {
		return name
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// ParseType returns the type named s, ignoring case: "custom", "Steam", "none", …
// (the names [Type.String] returns). Other strings, numbers included, are an error
// that matches [ErrUnknownType].
func ParseType(s string) (Type, error) {
	for t, name := range typeNames {
		if strings.EqualFold(s, name) {
			return t, nil
		}
	}
	return None, fmt.Errorf("%w %q", ErrUnknownType, s)
}
