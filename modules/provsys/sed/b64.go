package sed

import (
	"encoding/base64"
	"strings"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// unb64 decodes base64 with the line breaks and spaces XML writers put in.
func unb64(b []byte) ([]byte, error) {
	s := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\n', '\r', '\t':
			return -1
		}
		return r
	}, string(b))
	return base64.StdEncoding.DecodeString(s)
}
