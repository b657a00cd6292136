package tenanttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// MailpitServer is a test's own Mailpit: a real SMTP server, built from
// the upstream module by .ci/install-mailpit.sh, whose HTTP API shows what
// it received. One per test, so tests in parallel never read each other's
// mail.
type MailpitServer struct {
	// SMTPHost and SMTPPort are where it takes mail (127.0.0.1).
	SMTPHost string
	SMTPPort int
	// API is the base URL of its HTTP API (http://127.0.0.1:port).
	API string
}

// MailpitOptions change how the server behaves.
type MailpitOptions struct {
	// AllowedRecipients, when set, is a regular expression: RCPT TO of any
	// other address is refused with a 5xx, as a real server refuses an
	// unknown mailbox.
	AllowedRecipients string
	// TLSCert and TLSKey (PEM files), when set, make it offer STARTTLS
	// and require it; with no Users, PLAIN authentication accepts any
	// password.
	TLSCert, TLSKey string
	// Users, when set, are the only user names and passwords it accepts
	// (--smtp-auth-file); mail from anyone else is refused. Without TLS
	// it then offers AUTH in the clear (--smtp-auth-allow-insecure), as a
	// badly configured relay does, for a test that no client should use.
	Users map[string]string
	// Chaos enables its chaos triggers (SetChaos): SMTP errors on demand.
	Chaos bool
}

// Mailpit starts a Mailpit for the test and stops it when the test ends.
func Mailpit(tb testing.TB, o *MailpitOptions) *MailpitServer {
	tb.Helper()
	if o == nil {
		o = &MailpitOptions{}
	}
	bin, err := installedBinary("HROMADA_MAILPIT_BIN", "install-mailpit.sh")
	if err != nil {
		tb.Fatalf("tenanttest: mailpit: %v", err)
	}
	// A free port is only free until someone else takes it: on a lost
	// race the server exits at once, and we try again on new ports.
	for attempt := 0; ; attempt++ {
		srv, err := launchMailpit(tb, bin, o)
		if err == nil {
			return srv
		}
		if attempt == 2 {
			tb.Fatalf("tenanttest: mailpit: %v", err)
		}
	}
}

func launchMailpit(tb testing.TB, bin string, o *MailpitOptions) (*MailpitServer, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	srv := &MailpitServer{SMTPHost: "127.0.0.1", SMTPPort: ports[0], API: "http://127.0.0.1:" + strconv.Itoa(ports[1])}
	dir := tb.TempDir()
	args := []string{
		"--smtp", net.JoinHostPort(srv.SMTPHost, strconv.Itoa(ports[0])),
		"--listen", "127.0.0.1:" + strconv.Itoa(ports[1]),
		"--database", filepath.Join(dir, "mailpit.db"),
		"--disable-version-check", "--smtp-disable-rdns", "--quiet",
	}
	if o.AllowedRecipients != "" {
		args = append(args, "--smtp-allowed-recipients", o.AllowedRecipients)
	}
	if o.TLSCert != "" {
		args = append(args, "--smtp-tls-cert", o.TLSCert, "--smtp-tls-key", o.TLSKey, "--smtp-require-starttls")
		if len(o.Users) == 0 {
			args = append(args, "--smtp-auth-accept-any")
		}
	}
	if len(o.Users) > 0 {
		var b strings.Builder
		for u, p := range o.Users {
			fmt.Fprintf(&b, "%s:%s\n", u, p)
		}
		file := filepath.Join(dir, "smtp-users")
		if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
			return nil, err
		}
		args = append(args, "--smtp-auth-file", file)
		if o.TLSCert == "" {
			args = append(args, "--smtp-auth-allow-insecure")
		}
	}
	if o.Chaos {
		args = append(args, "--enable-chaos")
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = os.Environ()
	out := &tailBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	done, err := StartLocked(cmd)
	if err != nil {
		return nil, err
	}
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-done:
			return nil, fmt.Errorf("%w (%s); its output:\n%s", errExitedEarly, cmd.ProcessState, out)
		default:
		}
		resp, err := http.Get(srv.API + "/livez")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				tb.Cleanup(stop)
				return srv, nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("not ready after 30s: %v; its output:\n%s", err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// MailpitMessage is a message as Mailpit's list shows it.
type MailpitMessage struct {
	ID        string `json:"ID"`
	MessageID string `json:"MessageID"`
	Subject   string `json:"Subject"`
	To        []struct {
		Address string `json:"Address"`
	} `json:"To"`
}

// Messages lists what the server received, newest first.
func (s *MailpitServer) Messages(tb testing.TB) []MailpitMessage {
	tb.Helper()
	var list struct {
		Messages []MailpitMessage `json:"messages"`
	}
	if err := json.Unmarshal(s.get(tb, "/api/v1/messages?limit=500"), &list); err != nil {
		tb.Fatalf("tenanttest: mailpit: messages: %v", err)
	}
	return list.Messages
}

// Raw is a received message's bytes as they came over SMTP.
func (s *MailpitServer) Raw(tb testing.TB, id string) []byte {
	tb.Helper()
	return s.get(tb, "/api/v1/message/"+url.PathEscape(id)+"/raw")
}

// ChaosTrigger makes the server answer a step of the conversation with
// an error: Code (400–599) with Probability percent.
type ChaosTrigger struct {
	ErrorCode   int `json:"ErrorCode"`
	Probability int `json:"Probability"`
}

// Chaos is the server's chaos triggers (MailpitOptions.Chaos): a zero
// trigger answers normally.
type Chaos struct {
	Sender         ChaosTrigger `json:"Sender"`
	Recipient      ChaosTrigger `json:"Recipient"`
	Authentication ChaosTrigger `json:"Authentication"`
}

// SetChaos sets the triggers at once, for the next conversations; Chaos{}
// turns them all off.
func (s *MailpitServer) SetChaos(tb testing.TB, c Chaos) {
	tb.Helper()
	body, err := json.Marshal(c)
	if err != nil {
		tb.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPut, s.API+"/api/v1/chaos", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("tenanttest: mailpit: chaos: %v", err)
	}
	defer resp.Body.Close()
	var got Chaos
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("tenanttest: mailpit: chaos: %s %v", resp.Status, err)
	}
	// It answers with the triggers in force: a trigger it did not take
	// (chaos not enabled, a code out of range) shows here.
	if got.Sender.Probability != c.Sender.Probability || got.Recipient.Probability != c.Recipient.Probability ||
		got.Authentication.Probability != c.Authentication.Probability {
		tb.Fatalf("tenanttest: mailpit: chaos: asked %+v, in force %+v", c, got)
	}
}

func (s *MailpitServer) get(tb testing.TB, path string) []byte {
	tb.Helper()
	resp, err := http.Get(s.API + path)
	if err != nil {
		tb.Fatalf("tenanttest: mailpit: GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("tenanttest: mailpit: GET %s: %s %v %s", path, resp.Status, err, b)
	}
	return b
}
