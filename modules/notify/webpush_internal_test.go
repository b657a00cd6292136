package notify

import (
	"crypto/ecdh"
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"
)

// The encryption reproduces RFC 8291's example (Appendix A) byte for
// byte: the same keys, auth secret and salt give the published body.
func TestWebPushEncryptionRFC8291(t *testing.T) {
	t.Parallel()
	b := func(s string) []byte {
		v, err := base64.RawURLEncoding.DecodeString(s)
		require.NoError(t, err)
		return v
	}
	asKey, err := ecdh.P256().NewPrivateKey(b("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"))
	require.NoError(t, err)
	require.Equal(t, b("BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"), asKey.PublicKey().Bytes())
	body, err := encryptWebPush([]byte("When I grow up, I want to be a watermelon"),
		b("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"),
		b("BTBZMqHH6r4Tts7J_aSIgg"), asKey, b("DGv6ra1nlYgDCS1FRnbzlw"))
	require.NoError(t, err)
	require.Equal(t, "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
		base64.RawURLEncoding.EncodeToString(body))
}
