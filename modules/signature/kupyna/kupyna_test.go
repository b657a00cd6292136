package kupyna

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// counting is the message of the standard's examples: the bytes 00, 01,
// 02, …
func counting(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func unhex(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, " ", ""))
}

// The examples of DSTU 7564:2014 for whole-byte messages, as
// the standard's authors print and check them in their reference
// implementation (Roman-Oliynykov/Kupyna-reference, main.c: hash_256_1…6,
// hash_512_1…6: messages of 512, 1024, 2048, 8, 760/1536 and 0 bits).
// Three of them an independent implementation checks too: Cryptonite
// (PrivatBank IT), src/cryptoniteUtest/c/utest_dstu7564.c (test_dstu7564:
// Kupyna-512 of nothing; test2/test3: Kupyna-256 of 64 and 128 bytes).
func TestStandardExamples(t *testing.T) {
	t.Parallel()
	cases256 := []struct {
		msg  []byte
		want string
	}{
		{counting(64), "08F4EE6F1BE6903B324C4E27990CB24EF69DD58DBE84813EE0A52F6631239875"},
		{counting(128), "0A9474E645A7D25E255E9E89FFF42EC7EB31349007059284F0B182E452BDA882"},
		{counting(256), "D305A32B963D149DC765F68594505D4077024F836C1BF03806E1624CE176C08F"},
		{[]byte{0xff}, "EA7677CA4526555680441C117982EA14059EA6D0D7124D6ECDB3DEEC49E890F4"},
		{counting(95), "1075C8B0CB910F116BDA5FA1F19C29CF8ECC75CAFF7208BA2994B68FC56E8D16"},
		{nil, "CD5101D1CCDF0D1D1F4ADA56E888CD724CA1A0838A3521E7131D4FB78D0F5EB6"},
	}
	for _, c := range cases256 {
		got := Sum256(c.msg)
		require.Equal(t, unhex(c.want), hex.EncodeToString(got[:]), "Kupyna-256 of %d bytes", len(c.msg))
	}
	cases512 := []struct {
		msg  []byte
		want string
	}{
		{counting(64), "3813E2109118CDFB5A6D5E72F7208DCCC80A2DFB3AFDFB02F46992B5EDBE536B3560DD1D7E29C6F53978AF58B444E37BA685C0DD910533BA5D78EFFFC13DE62A"},
		{counting(128), "76ED1AC28B1D0143013FFA87213B4090B356441263C13E03FA060A8CADA32B979635657F256B15D5FCA4A174DE029F0B1B4387C878FCC1C00E8705D783FD7FFE"},
		{counting(256), "0DD03D7350C409CB3C29C25893A0724F6B133FA8B9EB90A64D1A8FA93B56556611EB187D715A956B107E3BFC76482298133A9CE8CBC0BD5E1436A5B197284F7E"},
		{[]byte{0xff}, "871B18CF754B72740307A97B449ABEB32B64444CC0D5A4D65830AE5456837A72D8458F12C8F06C98C616ABE11897F86263B5CB77C420FB375374BEC52B6D0292"},
		{counting(192), "B189BFE987F682F5F167F0D7FA565330E126B6E592B1C55D44299064EF95B1A57F3C2D0ECF17869D1D199EBBD02E8857FB8ADD67A8C31F56CD82C016CF743121"},
		{nil, "656B2F4CD71462388B64A37043EA55DBE445D452AECD46C3298343314EF04019BCFA3F04265A9857F91BE91FCE197096187CEDA78C9C1C021C294A0689198538"},
	}
	for _, c := range cases512 {
		got := Sum512(c.msg)
		require.Equal(t, unhex(c.want), hex.EncodeToString(got[:]), "Kupyna-512 of %d bytes", len(c.msg))
	}
}

func TestIncremental(t *testing.T) {
	t.Parallel()
	msg := counting(300)
	for _, h := range []func() []byte{
		func() []byte { s := Sum256(msg); return s[:] },
		func() []byte { s := Sum512(msg); return s[:] },
	} {
		want := h()
		for size := 1; size <= 140; size += 3 {
			d := New256()
			if len(want) == Size512 {
				d = New512()
			}
			for rest := msg; len(rest) > 0; {
				n := min(size, len(rest))
				d.Write(rest[:n])
				rest = rest[n:]
				_ = d.Sum(nil)
			}
			require.Equal(t, want, d.Sum(nil), "pieces of %d bytes", size)
		}
	}
}
