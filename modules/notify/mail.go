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
	"strconv"
	"time"
)

// Mail is the platform's SMTP relay (HROMADA_SMTP_*). It speaks plain
// net/smtp: STARTTLS, PLAIN authentication and one message per
// connection are all a relay needs, and the standard library's client is
// maintained with the language.
type Mail struct {
	Host string
	Port int
	// StartTLS requires STARTTLS before anything is sent (a relay that
	// does not offer it is a temporary failure: fix it and the retries
	// go out). Off only for a relay on the same host.
	StartTLS bool
	// Username and Password, when set, authenticate with PLAIN (after
	// STARTTLS; net/smtp refuses PLAIN in the clear but to localhost).
	Username, Password string
	// HELO is the name this client gives; empty: "localhost".
	HELO string
	// Timeout bounds one message's conversation; zero: 30 s.
	Timeout time.Duration
	// RootCAs verify the relay's certificate; nil: the system's.
	RootCAs *x509.CertPool
}

// Send sends raw (a complete, signed message) from from to to. A refusal
// (5xx) is ErrPermanent; a 4xx or a connection that fails is temporary.
func (m *Mail) Send(ctx context.Context, from, to string, raw []byte) error {
	err := m.send(ctx, from, to, raw)
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return fmt.Errorf("%w: smtp %d %s", ErrPermanent, te.Code, te.Msg)
	}
	return err
}

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
		return fmt.Errorf("smtp: HELO: %w", err)
	}
	if m.StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("smtp: the relay does not offer STARTTLS, which is required")
		}
		if err := c.StartTLS(&tls.Config{ServerName: m.Host, RootCAs: m.RootCAs, MinVersion: tls.VersionTLS12}); err != nil {
			return fmt.Errorf("smtp: STARTTLS: %w", err)
		}
	}
	if m.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, m.Host)); err != nil {
			return fmt.Errorf("smtp: AUTH: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("smtp: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("smtp: RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if _, err := w.Write(raw); err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	return c.Quit()
}
