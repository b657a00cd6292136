package main

import (
	"bufio"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// smtpTap is an SMTP proxy between the sender and the real server that
// notes when the server accepted each message: the moment its reply to
// the end of DATA (a 250) passes the proxy, before the sender reads it.
// That is the acceptance the latency ends at, on this process's
// clock, the clock the commits are timed by — no parsing of the server's
// own timestamps (Mailpit's Created has its own clock and its own delay:
// it is set after the message is stored).
type smtpTap struct {
	ln     net.Listener
	target string

	mu       sync.Mutex
	accepted map[string]time.Time // Message-ID (without <>) → when accepted
	// The messages to the bulk's recipients (isBulk of RCPT TO): how many
	// were accepted, the first and the last acceptance.
	bulk                int
	bulkFirst, bulkLast time.Time
	isBulk              func(rcpt string) bool
}

// newSMTPTap listens on a free port of 127.0.0.1 and relays to target.
func newSMTPTap(target string, isBulk func(string) bool) (*smtpTap, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t := &smtpTap{ln: ln, target: target, accepted: map[string]time.Time{}, isBulk: isBulk}
	go t.serve()
	return t, nil
}

func (t *smtpTap) port() int    { return t.ln.Addr().(*net.TCPAddr).Port }
func (t *smtpTap) close() error { return t.ln.Close() }

func (t *smtpTap) serve() {
	for {
		c, err := t.ln.Accept()
		if err != nil {
			return
		}
		go t.relay(c)
	}
}

// acceptedAt is when the message with Message-ID id was accepted.
func (t *smtpTap) acceptedAt(id string) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	at, ok := t.accepted[id]
	return at, ok
}

// bulkSoFar is how many bulk messages were accepted, and the first and
// last acceptance.
func (t *smtpTap) bulkSoFar() (int, time.Time, time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.bulk, t.bulkFirst, t.bulkLast
}

// resetBulk forgets the bulk counted so far (a new round).
func (t *smtpTap) resetBulk() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.bulk, t.bulkFirst, t.bulkLast = 0, time.Time{}, time.Time{}
}

// relay carries one SMTP conversation. net/smtp sends one command and
// waits for its reply (no PIPELINING), so the message whose final dot
// went up is the one the next final reply answers.
func (t *smtpTap) relay(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", t.target)
	if err != nil {
		return
	}
	defer server.Close()
	var (
		mu      sync.Mutex
		rcpt    string
		msgID   string
		pending bool // the final dot was sent: the next final reply is the message's
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r := bufio.NewReader(server)
		for {
			line, err := r.ReadString('\n')
			if line != "" {
				code, final := smtpReply(line)
				if final {
					mu.Lock()
					if pending {
						pending = false
						if code == 250 {
							t.note(msgID, rcpt, time.Now())
						}
					}
					mu.Unlock()
				}
				if _, werr := io.WriteString(client, line); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	r := bufio.NewReader(client)
	w := bufio.NewWriter(server)
	inData, inHeaders := false, false
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			switch {
			case inData && line == ".\r\n":
				inData = false
				mu.Lock()
				pending = true
				mu.Unlock()
			case inData && inHeaders:
				if line == "\r\n" {
					inHeaders = false
				} else if id, ok := messageIDHeader(line); ok {
					mu.Lock()
					msgID = id
					mu.Unlock()
				}
			case !inData && strings.HasPrefix(strings.ToUpper(line), "RCPT TO:"):
				mu.Lock()
				rcpt = strings.Trim(strings.TrimSpace(line[len("RCPT TO:"):]), "<>")
				mu.Unlock()
			case !inData && strings.EqualFold(strings.TrimSpace(line), "DATA"):
				inData, inHeaders = true, true
			}
			if _, werr := w.WriteString(line); werr != nil {
				break
			}
			// Flush when nothing more is waiting: a command goes up at
			// once, a message's body in large writes.
			if r.Buffered() == 0 {
				if werr := w.Flush(); werr != nil {
					break
				}
			}
		}
		if err != nil {
			break
		}
	}
	_ = w.Flush()
	if tc, ok := server.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	<-done
}

func (t *smtpTap) note(id, rcpt string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if id != "" {
		t.accepted[id] = at
	}
	if t.isBulk(rcpt) {
		if t.bulk == 0 {
			t.bulkFirst = at
		}
		t.bulk++
		t.bulkLast = at
	}
}

// smtpReply reads an SMTP reply line: its code, and whether it is the
// reply's last line ("250 OK", not "250-PIPELINING").
func smtpReply(line string) (code int, final bool) {
	if len(line) < 3 {
		return 0, false
	}
	for _, c := range line[:3] {
		if c < '0' || c > '9' {
			return 0, false
		}
		code = code*10 + int(c-'0')
	}
	return code, len(line) == 3 || line[3] == ' ' || line[3] == '\r' || line[3] == '\n'
}

// messageIDHeader is the id of a "Message-ID: <id>" header line.
func messageIDHeader(line string) (string, bool) {
	name, value, ok := strings.Cut(line, ":")
	if !ok || !strings.EqualFold(name, "Message-ID") {
		return "", false
	}
	id := strings.Trim(strings.TrimSpace(value), "<>")
	return id, id != ""
}
