package main

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"hromada/modules/notify"
)

// The proxy's acceptance is the last line of a 2xx reply: a multi-line
// reply's continuation lines and anything not a reply are no acceptance.
func TestSMTPReply(t *testing.T) {
	for _, c := range []struct {
		line  string
		code  int
		final bool
	}{
		{"250 2.0.0 Ok: queued as abc\r\n", 250, true},
		{"250-PIPELINING\r\n", 250, false},
		{"354 Start mail input\r\n", 354, true},
		{"550\r\n", 550, true},
		{"250", 250, true},
		{"25", 0, false},
		{"OK 250\r\n", 0, false},
	} {
		code, final := smtpReply(c.line)
		require.Equal(t, c.code, code, c.line)
		require.Equal(t, c.final, final, c.line)
	}
}

// The Message-ID is read from its header, whatever its case, and from
// no other header (a DKIM signature lists the header's name too).
func TestMessageIDHeader(t *testing.T) {
	id, ok := messageIDHeader("Message-ID: <0193a1b2-7c3d@bench-news.bench.example>\r\n")
	require.True(t, ok)
	require.Equal(t, "0193a1b2-7c3d@bench-news.bench.example", id)
	id, ok = messageIDHeader("message-id:<x@y>\r\n")
	require.True(t, ok)
	require.Equal(t, "x@y", id)
	for _, l := range []string{"DKIM-Signature: v=1; h=From:To:Message-ID;\r\n", "Message-ID: <>\r\n", " Message-ID\r\n"} {
		_, ok = messageIDHeader(l)
		require.False(t, ok, l)
	}
}

// Percentiles of the urgent stream: the nearest rank below, so p99 of
// 100 values is the 99th, and no values give zero.
func TestPctOf(t *testing.T) {
	var l []time.Duration
	for i := 100; i >= 1; i-- {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	require.Equal(t, 50*time.Millisecond, pctOf(l, 0.5))
	require.Equal(t, 99*time.Millisecond, pctOf(l, 0.99))
	require.Equal(t, 100*time.Millisecond, pctOf(l, 1))
	require.Equal(t, time.Duration(0), pctOf(nil, 0.99))
}

// The tap notes a message when the server's 250 after its DATA passes,
// under its Message-ID, and counts it as bulk by its recipient; a message
// the server refuses is not noted.
func TestSMTPTapNotesAcceptance(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	// A minimal SMTP server: it refuses the message to refused@…, and
	// answers the end of DATA only after a pause, which the noted time
	// must include.
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				fmt.Fprint(c, "220 test ESMTP\r\n")
				var rcpt string
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
					case strings.HasPrefix(cmd, "EHLO"):
						fmt.Fprint(c, "250-test\r\n250 8BITMIME\r\n")
					case strings.HasPrefix(cmd, "RCPT TO:"):
						rcpt = cmd
						fmt.Fprint(c, "250 OK\r\n")
					case cmd == "DATA":
						fmt.Fprint(c, "354 go on\r\n")
						for {
							l, err := r.ReadString('\n')
							if err != nil {
								return
							}
							if l == ".\r\n" {
								break
							}
						}
						time.Sleep(30 * time.Millisecond)
						if strings.Contains(rcpt, "REFUSED") {
							fmt.Fprint(c, "550 no such mailbox\r\n")
						} else {
							fmt.Fprint(c, "250 queued\r\n")
						}
					case cmd == "QUIT":
						fmt.Fprint(c, "221 bye\r\n")
						return
					default:
						fmt.Fprint(c, "250 OK\r\n")
					}
				}
			}()
		}
	}()
	tap, err := newSMTPTap(ln.Addr().String(), func(rcpt string) bool { return strings.HasPrefix(rcpt, "r") })
	require.NoError(t, err)
	defer func() { _ = tap.close() }()
	m := &notify.Mail{Host: "127.0.0.1", Port: tap.port()}
	msg := func(id string) []byte {
		return []byte("From: a@b.example\r\nMessage-ID: <" + id + ">\r\nSubject: x\r\n\r\nbody\r\n.leading dot\r\n")
	}
	before := time.Now()
	require.NoError(t, m.Send(t.Context(), "a@b.example", "r1@residents.example", msg("one@b.example")))
	at, ok := tap.acceptedAt("one@b.example")
	require.True(t, ok)
	require.GreaterOrEqual(t, at.Sub(before), 30*time.Millisecond, "noted at the server's reply, after its pause")
	require.NoError(t, m.Send(t.Context(), "a@b.example", "u1@residents.example", msg("two@b.example")))
	_, ok = tap.acceptedAt("two@b.example")
	require.True(t, ok)
	require.ErrorIs(t, m.Send(t.Context(), "a@b.example", "refused@residents.example", msg("three@b.example")), notify.ErrPermanent)
	_, ok = tap.acceptedAt("three@b.example")
	require.False(t, ok, "a refused message is no acceptance")
	n, first, last := tap.bulkSoFar()
	require.Equal(t, 1, n, "only r… recipients are bulk")
	require.Equal(t, at, first)
	require.Equal(t, at, last)
}
