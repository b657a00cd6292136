// Package payments takes the fees of paid services (issue 17; seed 003
// §2.2.12, §4.6.6; seed 000 §4.5; DOMAIN.md Payments). A paid service's
// fee, as its register entry states it (catalog.Fee: kopecks, recipient,
// ЄДРПОУ, IBAN), becomes one invoice per application in the transaction
// that submits it (Issue), or, where the service is paid before
// submission (catalog.Fee.PayFirst), when the resident pays the draft;
// the resident pays it through the city's
// acquiring gateway; the gateway's server callback, and nothing else,
// marks it paid.
//
// The rules that keep money straight (the anchors are pagoPA's one
// reference per debt and GOV.UK Pay's callbacks):
//
//   - one invoice per application (a unique key), its id the order id the
//     gateway sees, so the gateway itself refuses a second order;
//   - a callback is verified (its signature over the exact bytes) before
//     anything is recorded but the log of callbacks, which keeps every
//     one, refused ones with the reason;
//   - a payment is keyed by the gateway's own id: a replay finds the row
//     and changes nothing; statuses only move forward (pending → succeeded
//     | failed, succeeded → reversed), so a late «failure» after a success
//     is logged and ignored;
//   - amount and currency must be the invoice's;
//   - a second successful payment of a paid invoice is recorded and
//     flagged for refund, never counted;
//   - the browser's return from the gateway (result_url) only shows what
//     the callbacks recorded.
//
// Each city chooses its gateway and keeps its keys here, the secret part
// sealed with identity's Sealer (bound to the city), as the identity
// providers' client secrets are.
package payments

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/audit"
	"hromada/modules/docstore"
	"hromada/modules/documents"
	"hromada/modules/notify"
	"hromada/tenant"
)

// Gateway is an acquiring protocol.
type Gateway string

// The gateways.
const (
	LiqPay   Gateway = "liqpay"
	Monobank Gateway = "monobank"
)

// Currency is the only currency fees are paid in.
const Currency = "UAH"

// InvoiceStatus is where an invoice stands.
type InvoiceStatus string

// The invoices' states.
const (
	Open     InvoiceStatus = "open"
	Paid     InvoiceStatus = "paid"
	Refunded InvoiceStatus = "refunded"
	// Cancelled is an invoice whose application was refused or withdrawn
	// before it was paid (Cancel): nothing is due.
	Cancelled InvoiceStatus = "cancelled"
)

// Invoice is what an application's applicant owes.
type Invoice struct {
	ID, Application, Account uuid.UUID
	Provider                 uuid.UUID // the service's provider, whose seal the receipt bears
	Number                   string    // the application's
	Service                  string
	AmountKopecks            int64
	Currency                 string
	Recipient, EDRPOU, IBAN  string
	Purpose                  string // «Призначення платежу», treasury format
	Payer, PayerTaxID        string // the applicant (or the legal entity) and its РНОКПП (ЄДРПОУ)
	Status                   InvoiceStatus
	PaidBy                   *uuid.UUID
	PaidAt                   *time.Time
	CreatedAt                time.Time
	// Payments are the gateway's payments of it, newest first, where read
	// (the invoice's page, the official's view).
	Payments []Payment
	// Callbacks are the callbacks logged about it, in the order received,
	// where read (the official's view: the gateway's evidence).
	Callbacks []Callback
	// Proofs are the bank receipts uploaded for it, newest first, where
	// read (the invoice's page, the official's view).
	Proofs []Proof
}

// WaitingProof is the bank receipt waiting for an official's check, nil
// when none is.
func (i *Invoice) WaitingProof() *Proof {
	for k := range i.Proofs {
		if i.Proofs[k].Status == ProofPending {
			return &i.Proofs[k]
		}
	}
	return nil
}

// Draft says the invoice is a fee paid before submission whose
// application is not submitted yet: it has no number (Numbered).
func (i *Invoice) Draft() bool { return i.Number == "" }

// Amount is the invoice's amount as people read it: "25,74".
func (i *Invoice) Amount() string { return FormatKopecks(i.AmountKopecks) }

// PaymentStatus is a payment's state as the platform keeps it.
type PaymentStatus string

// The payments' states; they only move forward (see advance).
const (
	Pending   PaymentStatus = "pending"
	Succeeded PaymentStatus = "succeeded"
	Failed    PaymentStatus = "failed"
	Reversed  PaymentStatus = "reversed"
)

// Payment is one payment as its gateway reported it.
type Payment struct {
	ID            uuid.UUID
	Invoice       uuid.UUID
	Gateway       Gateway
	GatewayID     string
	Status        PaymentStatus
	AmountKopecks int64
	Currency      string
	Evidence      map[string]any // the last accepted callback, decoded
	RefundDue     bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Sealer encrypts secrets at rest (identity.Sealer).
type Sealer interface {
	Seal(plain, ad []byte) ([]byte, error)
	Open(sealed, ad []byte) ([]byte, error)
}

// Options configure the Service.
type Options struct {
	DB  *tenant.DB
	Log *slog.Logger
	// Sealer seals the cities' gateway secrets.
	Sealer Sealer
	// Notify posts the residents' notices (paid); nil posts none.
	Notify *notify.Service
	// Audit records the staff's exports and settings changes; nil: there
	// are none (Export and ChangeSettings refuse).
	Audit *audit.Service
	// PortalURL is the base URL of a city's portal: where the gateway
	// sends its callbacks and the resident back.
	PortalURL func(t *tenant.Tenant) string
	// LiqPayURL is the base URL of LiqPay's API for a city (the checkout
	// is at /api/3/checkout, the server API at /api/request); in dev the
	// simulator on the city's own host.
	LiqPayURL func(t *tenant.Tenant) string
	// MonobankURL is the base URL of monobank's acquiring API for a city
	// (/api/merchant/…); in dev its simulator on the city's own host.
	MonobankURL func(t *tenant.Tenant) string
	// Documents render and seal the receipts with the providers' seals,
	// Docs keeps them, Assets holds the cities' coats of arms (web/static);
	// without Documents and Docs there are no receipts.
	Documents *documents.Service
	Docs      docstore.Store
	Assets    fs.FS
	// Insert puts a River job in a transaction (refunds); nil: no
	// refunds.
	Insert func(ctx context.Context, tx pgx.Tx, args tenant.JobArgs) error
	// Client calls the gateways' server APIs; nil: a client with a 15 s
	// timeout.
	Client *http.Client
	// Now is the clock (tests); nil: time.Now.
	Now func() time.Time
}

// Service is the cities' invoices and payments. Each exported method is one
// transaction in the tenant in ctx, but those taking a pgx.Tx, which join
// the caller's.
type Service struct {
	o        Options
	monoKeys sync.Map // tenant id → *ecdsa.PublicKey: monobank's webhook key, as last fetched
}

// New returns the Service.
func New(o Options) (*Service, error) {
	if o.DB == nil || o.Log == nil || o.Sealer == nil || o.PortalURL == nil || o.LiqPayURL == nil || o.MonobankURL == nil {
		return nil, errors.New("payments: DB, Log, Sealer, PortalURL, LiqPayURL and MonobankURL are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 15 * time.Second}
	}
	return &Service{o: o}, nil
}

func (s *Service) now() time.Time { return s.o.Now() }
