package cityapi

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestLimiter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 5, 10, 0, 10, 0, time.UTC)
	l := newLimiter(3, func() time.Time { return now })
	a, b := uuid.New(), uuid.New()
	for range 3 {
		_, ok := l.allow(a)
		require.True(t, ok)
	}
	wait, ok := l.allow(a)
	require.False(t, ok, "the fourth request in a minute is over the limit")
	require.Equal(t, 50*time.Second, wait, "until the next minute")
	_, ok = l.allow(b)
	require.True(t, ok, "each token has its own count")
	now = now.Add(time.Minute)
	_, ok = l.allow(a)
	require.True(t, ok, "a new minute, a new count")
}

func TestPKCE(t *testing.T) {
	t.Parallel()
	// The challenge computed apart (Python's hashlib and base64).
	const verifier, challenge = "dBjftJeZ4CVP-mJ92K9Uvf1mSQpFyn5-nw0bcPbDuMk", "MlJ1sopTpyIAozsb8Prp3F5Tv2khVhykh1-LZVbhNiU"
	require.True(t, verifierMatches(verifier, challenge))
	require.False(t, verifierMatches(verifier+"x", challenge))
	require.False(t, verifierMatches("short", challenge))
}

func TestClientRedirects(t *testing.T) {
	t.Parallel()
	c := DefaultClients[0]
	for u, want := range map[string]bool{
		"ua.hromada.city:/oauth/callback":      true,
		"http://127.0.0.1:50123/callback":      true,
		"http://127.0.0.1/cb":                  true,
		"https://127.0.0.1:5/cb":               false,
		"http://localhost:5/cb":                false,
		"http://127.0.0.1.evil.example:5/cb":   false,
		"http://user@127.0.0.1:5/cb":           false,
		"ua.hromada.city:/oauth/callback/more": false,
	} {
		require.Equal(t, want, c.allows(u), u)
	}
}
