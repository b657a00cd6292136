package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Mail is the platform's SMTP relay (HROMADA_SMTP_*). It speaks plain
// net/smtp: STARTTLS, PLAIN authentication and one message per
// connection are all a relay needs, and the standard library's client is
// maintained with the language.
//
// One conversation: connect, EHLO, STARTTLS (when StartTLS; the relay's
// certificate verified against RootCAs, or the system's roots), EHLO
// again, AUTH PLAIN (when Username is set), MAIL FROM, RCPT TO, DATA,
// QUIT. Credentials go only over the encrypted connection: with a
// Username set and no TLS in force (StartTLS off, or a relay that does
// not offer it) nothing is said after EHLO — net/smtp alone would send
// PLAIN in the clear to 127.0.0.1 or localhost, and a relay "on the same
// host" may be a tunnel's end.
//
// How a failed conversation ends the delivery (deliver.go retries what is
// temporary with back-off, up to MaxAttempts, then fails it for good with
// the last reason):
//   - a 5xx reply at any step — an unknown mailbox, a refused sender, 535
//     for a wrong user name or password — is ErrPermanent, recorded as
//     "smtp 535 at AUTH: …" where the administrator and the person see
//     delivery statuses; retrying a refusal only repeats it;
//   - a 4xx reply (451 "try again later", greylisting, a full queue) is
//     temporary: the same message is sent again later, and a relay that
//     took it gives it one Message-ID, so it arrives once;
//   - a relay that cannot be reached, hangs up, presents a certificate
//     that does not verify, offers no STARTTLS when it is required or no
//     PLAIN when credentials are set, is temporary too: it is the relay's
//     configuration or the network (a STARTTLS-stripping attacker
//     included), not the message, and once fixed the retries go out. Only
//     after MaxAttempts does it become permanent ("8 attempts: …").
type Mail struct {
	Host string
	Port int
	// StartTLS requires STARTTLS before anything is sent (a relay that
	// does not offer it is a temporary failure: fix it and the retries
	// go out). Off only for a relay on the same host.
	StartTLS bool
	// Username and Password, when set, authenticate with PLAIN, only over
	// TLS (so they need StartTLS).
	Username, Password string
	// HELO is the name this client gives; empty: "localhost".
	HELO string
	// Timeout bounds one message's conversation; zero: 30 s.
	Timeout time.Duration
	// RootCAs verify the relay's certificate; nil: the system's. A relay
	// with a private CA (and the tests' Mailpit) is trusted through it.
	RootCAs *x509.CertPool
}

// Send sends raw (a complete, signed message) from from to to. A refusal
// (5xx) is ErrPermanent; a 4xx or a connection that fails is temporary.
func (m *Mail) Send(ctx context.Context, from, to string, raw []byte) error {
	err := m.send(ctx, from, to, raw)
	var (
		te *textproto.Error
		se *stepError
	)
	if errors.As(err, &te) && te.Code >= 500 {
		step := "SMTP"
		if errors.As(err, &se) {
			step = se.step
		}
		return fmt.Errorf("%w: smtp %d at %s: %s", ErrPermanent, te.Code, step, te.Msg)
	}
	return err
}

// stepError is a failure at one step of the conversation, so the reason
// recorded says where (a 535 at AUTH is a wrong password, at RCPT TO an
// unknown mailbox).
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return "smtp: " + e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

func step(name string, err error) error {
	if err == nil {
		return nil
	}
	return &stepError{step: name, err: err}
}

// ErrNoTLSForAuth is the refusal to send credentials over a connection
// that is not encrypted.
var ErrNoTLSForAuth = errors.New("smtp: credentials are sent only over TLS, and this connection is not encrypted (STARTTLS off or not offered by the relay); nothing was sent")

func (m *Mail) send(ctx context.Context, from, to string, raw []byte) error {
	timeout := m.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(m.Host, strconv.Itoa(m.Port)))
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		conn.Close()
		return err
	}
	c, err := smtp.NewClient(conn, m.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp: %w", err)
	}
	defer c.Close()
	helo := m.HELO
	if helo == "" {
		helo = "localhost"
	}
	if err := c.Hello(helo); err != nil {
		return step("EHLO", err)
	}
	if m.StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("smtp: the relay does not offer STARTTLS, which is required; nothing was sent")
		}
		if err := c.StartTLS(&tls.Config{ServerName: m.Host, RootCAs: m.RootCAs, MinVersion: tls.VersionTLS12}); err != nil {
			return step("STARTTLS", err)
		}
	}
	if m.Username != "" {
		if _, ok := c.TLSConnectionState(); !ok {
			return ErrNoTLSForAuth
		}
		ok, mechs := c.Extension("AUTH")
		if !ok || !slices.Contains(strings.Fields(strings.ToUpper(mechs)), "PLAIN") {
			return fmt.Errorf("smtp: the relay does not offer AUTH PLAIN (it offers %q)", mechs)
		}
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, m.Host)); err != nil {
			return step("AUTH", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return step("MAIL FROM", err)
	}
	if err := c.Rcpt(to); err != nil {
		return step("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return step("DATA", err)
	}
	if _, err := w.Write(raw); err != nil {
		return step("DATA", err)
	}
	if err := w.Close(); err != nil {
		return step("DATA", err)
	}
	return c.Quit()
}
