package provsys

import (
	"context"
	"errors"
	"fmt"

	"hromada/modules/registries"
)

// TrembitaPath is the operation of a provider's system's service on the
// exchange that takes the platform's messages.
const TrembitaPath = "messages"

// TrembitaPurpose is the purpose a Trembita call declares when its
// message is about no application (the administrator's test); a message
// about an application declares the application's service code, as the
// automatic mode's registry queries do.
const TrembitaPurpose = "provsys-test"

// TrembitaRequest is the JSON object a Trembita call carries: the same
// message and seal as a webhook's body and X-Hromada-Signature (base64 in
// the JSON).
type TrembitaRequest struct {
	MessageID string `json:"message_id"`
	Body      []byte `json:"body"`
	Signature []byte `json:"signature"`
}

// TrembitaReceipt is the system's answer: the receipt of the message it
// names. An answer that names another message is no receipt.
type TrembitaReceipt struct {
	MessageID  string `json:"message_id"`
	ReceivedAt string `json:"received_at"`
}

// call sends a message to the system's service on the exchange through
// the registries' client: the city's security server, its client
// certificate and identifiers, the accountable query log (the applicant's
// РНОКПП as the subject, the service's code as the purpose), and the
// client's own retries and circuit breaker. Whatever the exchange refuses
// (a wrong service, no access, a service the city has not configured) is
// errRefused: no retry cures it; an exchange or system that is down, or
// an answer that is no receipt, is retried by the job.
func (s *Service) call(ctx context.Context, out *outgoing, m *Message) error {
	if s.o.Trembita == nil {
		return fmt.Errorf("%w: no Trembita client", errRefused)
	}
	c, err := s.o.Trembita.For(ctx, out.Endpoint)
	if err != nil {
		return fmt.Errorf("%w: %w", errRefused, err)
	}
	purpose := m.purpose
	if purpose == "" {
		purpose = TrembitaPurpose
	}
	var got TrembitaReceipt
	err = c.Do(ctx, registries.Query{Path: TrembitaPath, Purposes: []string{purpose}, Subject: m.subject,
		Body: TrembitaRequest{MessageID: m.MessageID, Body: out.Body, Signature: out.Signature}}, &got)
	switch {
	case errors.Is(err, registries.ErrUnavailable), errors.Is(err, registries.ErrBadAnswer):
		return err
	case err != nil:
		return fmt.Errorf("%w: %w", errRefused, err)
	case got.MessageID != m.MessageID:
		return fmt.Errorf("provsys: the system's receipt names %q, not %q", got.MessageID, m.MessageID)
	}
	return nil
}
