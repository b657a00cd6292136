package hsm_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/miekg/pkcs11"
	"github.com/stretchr/testify/require"

	"hromada/modules/documents/hsm"
	"hromada/modules/documents/hsm/hsmtest"
)

func TestKeyIsMadeAndUsedInTheToken(t *testing.T) {
	t.Parallel()
	cfg := hsmtest.Token(t, "1234")
	h, err := hsm.Open(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.Close()) })
	require.Equal(t, "pkcs11:"+cfg.Token, h.Name())
	require.NoError(t, h.Check())

	key, kept, err := h.NewKey("kyiv/dsp/1", []byte{1})
	require.NoError(t, err)
	require.Nil(t, kept, "nothing of an HSM key is kept outside the token")
	digest := sha256.Sum256([]byte("результат"))
	sig, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	require.NoError(t, err)
	require.True(t, ecdsa.VerifyASN1(key.Public().(*ecdsa.PublicKey), digest[:], sig))

	again, err := h.Key("kyiv/dsp/1", nil)
	require.NoError(t, err)
	require.True(t, again.Public().(*ecdsa.PublicKey).Equal(key.Public()))
	_, err = h.Key("kyiv/dsp/2", nil)
	require.ErrorIs(t, err, hsm.ErrNoKey)

	t.Run("NotExtractable", func(t *testing.T) {
		// A session of our own on the token, as any other program
		// logged in with the PIN would have.
		p := pkcs11.New(cfg.Module)
		slots, err := p.GetSlotList(true)
		require.NoError(t, err)
		var slot uint
		for _, s := range slots {
			if ti, err := p.GetTokenInfo(s); err == nil && ti.Label == cfg.Token {
				slot = s
			}
		}
		sh, err := p.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
		require.NoError(t, err)
		defer func() { _ = p.CloseSession(sh) }()
		require.NoError(t, p.FindObjectsInit(sh, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, "kyiv/dsp/1"),
		}))
		objs, _, err := p.FindObjects(sh, 2)
		require.NoError(t, err)
		require.NoError(t, p.FindObjectsFinal(sh))
		require.Len(t, objs, 1, "the private key is found (the PIN's login is the application's)")
		attrs, err := p.GetAttributeValue(sh, objs[0], []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, nil),
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, nil),
			pkcs11.NewAttribute(pkcs11.CKA_NEVER_EXTRACTABLE, nil),
		})
		require.NoError(t, err)
		require.Equal(t, []byte{0}, attrs[0].Value, "CKA_EXTRACTABLE")
		require.Equal(t, []byte{1}, attrs[1].Value, "CKA_SENSITIVE")
		require.Equal(t, []byte{1}, attrs[2].Value, "CKA_NEVER_EXTRACTABLE")
		_, err = p.GetAttributeValue(sh, objs[0], []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
		require.ErrorIs(t, err, pkcs11.Error(pkcs11.CKR_ATTRIBUTE_SENSITIVE), "the private value does not come out")
	})
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	cfg := hsmtest.Token(t, "1234")

	t.Run("WrongPIN", func(t *testing.T) {
		bad := cfg
		bad.PIN = "0000"
		_, err := hsm.Open(bad)
		require.ErrorIs(t, err, hsm.ErrWrongPIN)
		require.Contains(t, err.Error(), cfg.Token)
	})
	t.Run("NoToken", func(t *testing.T) {
		bad := cfg
		bad.Token = "no-such-token"
		_, err := hsm.Open(bad)
		require.ErrorIs(t, err, hsm.ErrNoToken)
	})
	t.Run("NoModule", func(t *testing.T) {
		bad := cfg
		bad.Module = "/nonexistent/libpkcs11.so"
		_, err := hsm.Open(bad)
		require.ErrorIs(t, err, hsm.ErrModule)
	})
}
