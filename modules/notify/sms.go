package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf16"
)

// TurboSMS sends SMS through TurboSMS's HTTP API (api.turbosms.ua), a
// Ukrainian gateway with direct routes to the three mobile operators and
// registered alpha names. The protocol, as implemented here:
//
//	POST <BaseURL>/message/send.json
//	Authorization: Bearer <token>
//	Content-Type: application/json
//	{"recipients": ["380671234567"], "sms": {"sender": "Hromada", "text": "…"}}
//
// answered 200 with
//
//	{"response_code": 800, "response_status": "SUCCESS_MESSAGE_ACCEPTED",
//	 "response_result": [{"phone": "380671234567", "response_code": 0,
//	                      "message_id": "…", "response_status": "OK"}]}
//
// The top-level code says what happened to the request (8xx: accepted,
// wholly or in part; 999: the gateway's own failure; the others: the
// request was wrong — a token, a sender, the text), and each recipient's
// code what happened to that number (0: accepted, with its message_id).
type TurboSMS struct {
	// BaseURL is https://api.turbosms.ua in production, the simulator's
	// address in tests and dev.
	BaseURL string
	Token   string
	// Client is the HTTP client; nil: one with a 15 s timeout.
	Client *http.Client
}

type turboRequest struct {
	Recipients []string `json:"recipients"`
	SMS        struct {
		Sender string `json:"sender"`
		Text   string `json:"text"`
	} `json:"sms"`
}

// TurboResponse is the gateway's answer.
type TurboResponse struct {
	Code   int              `json:"response_code"`
	Status string           `json:"response_status"`
	Result []TurboRecipient `json:"response_result"`
}

// TurboRecipient is the answer for one number.
type TurboRecipient struct {
	Phone     string `json:"phone"`
	Code      int    `json:"response_code"`
	MessageID string `json:"message_id,omitempty"`
	Status    string `json:"response_status"`
}

// The gateway's codes this client tells apart.
const (
	TurboOK          = 0   // a recipient accepted
	TurboAccepted    = 800 // SUCCESS_MESSAGE_ACCEPTED
	TurboServerError = 999 // the gateway failed: try again later
)

// Send sends text from sender to phone (380XXXXXXXXX) and returns the
// gateway's message id. A transport failure, an HTTP 5xx or the gateway's
// own failure is temporary; a refusal of the request or of the number is
// ErrPermanent.
func (g *TurboSMS) Send(ctx context.Context, sender, phone, text string) (string, error) {
	var req turboRequest
	req.Recipients = []string{phone}
	req.SMS.Sender, req.SMS.Text = sender, text
	body, err := json.Marshal(req)
	if err != nil {
		return "", err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(g.BaseURL, "/")+"/message/send.json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	hr.Header.Set("Authorization", "Bearer "+g.Token)
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json")
	c := g.Client
	if c == nil {
		c = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := c.Do(hr)
	if err != nil {
		return "", fmt.Errorf("turbosms: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("turbosms: %w", err)
	}
	if resp.StatusCode >= 500 {
		return "", fmt.Errorf("turbosms: HTTP %s", resp.Status)
	}
	var out TurboResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		return "", fmt.Errorf("turbosms: HTTP %s, not the gateway's JSON: %w", resp.Status, err)
	}
	if out.Code == TurboServerError {
		return "", fmt.Errorf("turbosms: %d %s", out.Code, out.Status)
	}
	if out.Code < 800 || out.Code > 899 {
		return "", fmt.Errorf("%w: turbosms %d %s", ErrPermanent, out.Code, out.Status)
	}
	for _, r := range out.Result {
		if r.Phone != "" && r.Phone != phone {
			continue
		}
		if r.Code != TurboOK || r.MessageID == "" {
			return "", fmt.Errorf("%w: turbosms %s: %d %s", ErrPermanent, phone, r.Code, r.Status)
		}
		return r.MessageID, nil
	}
	return "", fmt.Errorf("%w: turbosms %d %s: no result for %s", ErrPermanent, out.Code, out.Status, phone)
}

// Segments is how many SMS a text takes. Text in the GSM 7-bit alphabet
// takes 160 characters in one SMS, 153 per part when concatenated; any
// other character (Cyrillic) makes the whole text UCS-2: 70 in one SMS,
// 67 per part (UTF-16 units: an emoji counts two).
func Segments(text string) (n int, ucs2 bool) {
	for _, r := range text {
		if !strings.ContainsRune(gsm7, r) {
			ucs2 = true
			break
		}
	}
	single, part, length := 160, 153, 0
	if ucs2 {
		single, part = 70, 67
		length = len(utf16.Encode([]rune(text)))
	} else {
		for _, r := range text {
			length++
			if strings.ContainsRune(gsm7Extended, r) {
				length++ // an escape and the character
			}
		}
	}
	if length <= single {
		return 1, ucs2
	}
	return (length + part - 1) / part, ucs2
}

// The GSM 03.38 default alphabet and its extension table (each extended
// character takes two septets).
const (
	gsm7         = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà" + gsm7Extended
	gsm7Extended = "^{}\\[~]|€\f"
)
