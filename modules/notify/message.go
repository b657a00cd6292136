package notify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	_ "embed"
	"fmt"
	"html/template"
	"maps"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"regexp"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/jackc/pgx/v5"

	"hromada/modules/branding"
	"hromada/tenant"
	"hromada/web"
)

// message is a delivery ready for its channel.
type message struct {
	From      string // the envelope sender (e-mail)
	MessageID string
	Raw       []byte // the signed e-mail
	Text      string // the channel's text (SMS, push)
	Sender    string // the SMS sender name
	Title     string // a push notice's title: the city
	Link      string // where a push notice opens: the inbox
	Device    *pushDevice
	VAPID     *ecdsa.PrivateKey // the city's key, for a Web Push notice
	Subject   string            // its VAPID subject: the city's portal
	Urgent    bool              // a Web Push notice's Urgency
}

//go:embed mail.html
var mailHTML string

var mailTemplate = template.Must(template.New("mail").Parse(mailHTML))

// mailData is what mail.html shows.
type mailData struct {
	Lang, Subject, City, Text, Link, Open, Footer string
	Primary                                       string
}

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// outArgs are the arguments of a channel's text: the least the person
// needs to know which notice it is (the number of the application, a
// one-time code, how many a digest sums up), never the service, a name or
// a comment, which stay in the cabinet behind sign-in.
func outArgs(d *delivery) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"Number", "Count"} {
		if v, ok := d.Args[k]; ok {
			out[k] = v
		}
	}
	maps.Copy(out, d.Secret)
	return out
}

// outKey is the message of d's outward text: its own ("notify.out." + its
// key) when the notice's module wrote one (a notice about something other
// than an application), else its kind's.
func outKey(loc *web.Localizer, d *delivery) string {
	if own := "notify.out." + d.Key; loc.Has(own) {
		return own
	}
	return "notify.out." + string(d.Kind)
}

// compose renders d for its channel in the person's language, in tx (the
// city's sender identity may be made on first use).
func (s *Service) compose(ctx context.Context, tx pgx.Tx, d *delivery) (message, error) {
	t, err := tenant.From(ctx)
	if err != nil {
		return message{}, err
	}
	snd, err := s.sender(ctx, tx)
	if err != nil {
		return message{}, err
	}
	loc := s.localizer(d.Language)
	text := loc.Message(outKey(loc, d), outArgs(d))
	if d.Channel == SMS {
		return message{Text: text, Sender: snd.SMSSender}, nil
	}
	city := t.Branding.DisplayName.In(d.Language)
	if city == "" {
		city = t.Name
	}
	if d.Channel == Push {
		dev, err := deviceOf(ctx, tx, d.Account, d.Address)
		if err != nil {
			return message{}, err
		}
		m := message{Text: text, Title: city, Link: s.link(t, d.Notice), Device: dev, Urgent: d.Urgency == Urgent}
		if dev.Platform == WebPushPlatform {
			if m.VAPID, err = s.vapidKey(ctx, tx); err != nil {
				return message{}, err
			}
			m.Subject = s.o.PortalURL(t)
		}
		return m, nil
	}
	primary := t.Branding.PrimaryColor
	if !hexColor.MatchString(primary) {
		primary = branding.DefaultPrimary
	}
	data := mailData{Lang: d.Language, City: city, Text: text, Primary: primary,
		Subject: loc.T("notify.mail.subject", "City", city),
		Link:    s.link(t, d.Notice),
		Open:    loc.T("notify.mail.open"),
		Footer:  loc.T("notify.mail.footer", "City", city)}
	msgID := d.ID.String() + "@" + snd.Domain()
	raw, err := buildMail(snd, d.Address, msgID, data, s.o.Now())
	if err != nil {
		return message{}, err
	}
	return message{From: snd.FromAddress, MessageID: msgID, Raw: raw}, nil
}

// buildMail writes a multipart/alternative message (text, then HTML) and
// signs it with the city's DKIM key.
func buildMail(snd *Sender, to, msgID string, data mailData, now time.Time) ([]byte, error) {
	var html bytes.Buffer
	if err := mailTemplate.Execute(&html, data); err != nil {
		return nil, err
	}
	plain := data.Text + "\r\n\r\n" + data.Open + ": " + data.Link + "\r\n\r\n-- \r\n" + data.Footer + "\r\n"

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, part := range []struct{ ctype, content string }{{"text/plain; charset=utf-8", plain}, {"text/html; charset=utf-8", html.String()}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.ctype}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write([]byte(part.content)); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}

	var msg bytes.Buffer
	from := mail.Address{Name: snd.FromName, Address: snd.FromAddress}
	for _, h := range [][2]string{
		{"From", from.String()},
		{"To", to},
		{"Subject", mime.QEncoding.Encode("utf-8", data.Subject)},
		{"Date", now.Format(time.RFC1123Z)},
		{"Message-ID", "<" + msgID + ">"},
		{"MIME-Version", "1.0"},
		{"Content-Type", "multipart/alternative; boundary=" + mw.Boundary()},
		{"Content-Language", data.Lang},
	} {
		fmt.Fprintf(&msg, "%s: %s\r\n", h[0], h[1])
	}
	msg.WriteString("\r\n")
	msg.Write(body.Bytes())

	var signed bytes.Buffer
	err := dkim.Sign(&signed, &msg, &dkim.SignOptions{
		Domain: snd.Domain(), Selector: snd.Selector, Signer: crypto.Signer(snd.key), Hash: crypto.SHA256,
		HeaderKeys: []string{"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"},
	})
	if err != nil {
		return nil, fmt.Errorf("notify: DKIM: %w", err)
	}
	return signed.Bytes(), nil
}
