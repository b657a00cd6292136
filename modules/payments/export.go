package payments

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"hromada/apperr"
	"hromada/modules/audit"
	"hromada/modules/identity"
	"hromada/tenant"
)

// The accounting export: the money the city's gateway took and gave back
// in a period, one row per payment received and one per refund, for the
// city's accounting to load into its software (1C/BAS, M.E.Doc) and match
// against the treasury's statement. It is personal data (the payer's name,
// and the РНОКПП the treasury's purpose carries): accounting needs the
// payer to match a payment to its debt, so it is in, but the export is
// behind its own permission (payments:export), a fresh sign-in, and every
// export is recorded in the audit log with who took which period.

// ExportKind is what a row of the export records.
type ExportKind string

// The rows' kinds.
const (
	ExportPaid     ExportKind = "paid"     // money received
	ExportRefunded ExportKind = "refunded" // money given back (the amount negative)
)

// ExportRow is one row of the accounting export.
type ExportRow struct {
	// At is when the platform learnt of it: the accepted callback, or the
	// statement that recorded a payment the callbacks missed.
	At                     time.Time
	Kind                   ExportKind
	Number                 string // the application's
	ServiceCode, Service   string
	Provider, ProviderCode string // the service's provider, and its ЄДРПОУ
	Recipient, EDRPOU      string // the fee's recipient and its ЄДРПОУ, as on the invoice
	IBAN                   string
	Payer                  string // as on the invoice
	AmountKopecks          int64  // negative for a refund
	Currency               string
	Gateway                Gateway
	GatewayID              string
	Purpose                string
	// RefundDue marks a payment of an invoice already paid or cancelled:
	// money received that is to be given back (the official's view shows
	// it too).
	RefundDue bool
}

// Period is a span of whole days in the city's time (Kyiv), From and To
// both included.
type Period struct{ From, To time.Time }

// maxPeriodDays bounds one export: a year and a day.
const maxPeriodDays = 366

// Field errors of a period, each naming its field (the locale's words).
var (
	ErrFromMissing = apperr.New(apperr.Invalid, "pay.export_from_missing")
	ErrFromBad     = apperr.New(apperr.Invalid, "pay.export_from_bad")
	ErrToMissing   = apperr.New(apperr.Invalid, "pay.export_to_missing")
	ErrToBad       = apperr.New(apperr.Invalid, "pay.export_to_bad")
	ErrToBefore    = apperr.New(apperr.Invalid, "pay.export_to_before")
	ErrTooLong     = apperr.New(apperr.Invalid, "pay.export_too_long")
)

// DateLayout is how the export's page writes a date, and people type it:
// 05.12.2026. ParsePeriod also takes 2026-12-05 (a date input's value).
const DateLayout = "02.01.2006"

// ParsePeriod reads a period as typed (05.12.2026, or 2026-12-05), and
// returns the errors by field ("from", "to"), none when it is good.
func ParsePeriod(from, to string) (Period, map[string]*apperr.Error) {
	errs := map[string]*apperr.Error{}
	var p Period
	day := func(s string, missing, bad *apperr.Error, field string) time.Time {
		s = strings.TrimSpace(s)
		if s == "" {
			errs[field] = missing
			return time.Time{}
		}
		for _, layout := range []string{DateLayout, time.DateOnly} {
			if d, err := time.ParseInLocation(layout, s, tenant.Zone); err == nil {
				return d
			}
		}
		errs[field] = bad
		return time.Time{}
	}
	p.From = day(from, ErrFromMissing, ErrFromBad, "from")
	p.To = day(to, ErrToMissing, ErrToBad, "to")
	if len(errs) == 0 {
		switch {
		case p.To.Before(p.From):
			errs["to"] = ErrToBefore
		case p.To.Sub(p.From) > maxPeriodDays*24*time.Hour:
			errs["to"] = ErrTooLong
		}
	}
	return p, errs
}

// bounds are the period's instants: [the first day's midnight, the day
// after the last's midnight), in Kyiv, across a change of clocks.
func (p Period) bounds() (time.Time, time.Time) {
	y, m, d := p.To.Date()
	return time.Date(p.From.Year(), p.From.Month(), p.From.Day(), 0, 0, 0, 0, tenant.Zone), time.Date(y, m, d+1, 0, 0, 0, 0, tenant.Zone)
}

// Export reads the period's rows, oldest first, and records in the audit
// log, in the same transaction, who took which period and how many rows:
// nothing leaves unrecorded.
func (s *Service) Export(ctx context.Context, p Period) ([]ExportRow, error) {
	sg := identity.SignedFrom(ctx)
	if sg == nil {
		return nil, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	if s.o.Audit == nil {
		return nil, fmt.Errorf("payments: the export needs Audit")
	}
	var out []ExportRow
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		from, to := p.bounds()
		var err error
		if out, err = exportRows(ctx, tx, from, to); err != nil {
			return err
		}
		_, err = s.o.Audit.Record(ctx, tx, audit.Event{Actor: audit.Actor{ID: sg.AccountID.String(), Name: sg.FullName},
			Action: "payments.export", ObjectType: "payments", ObjectID: p.From.Format(time.DateOnly) + "/" + p.To.Format(time.DateOnly),
			Details: map[string]any{"from": p.From.Format(time.DateOnly), "to": p.To.Format(time.DateOnly), "rows": len(out)}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// exportRows reads the accepted callbacks of [from, to) that moved a
// payment to succeeded or reversed: the log is the evidence of when, and
// it holds one accepted success and at most one accepted reversal per
// payment (a replay is ignored, statuses only move forward). The
// gateway's raw status is mapped here by the same functions the callbacks
// use. The service's code and the provider are read from the catalog's
// and applications' tables by their stable columns (code, name_uk,
// edrpou, service_id): the invoice copied what the payer saw, not these.
func exportRows(ctx context.Context, tx pgx.Tx, from, to time.Time) ([]ExportRow, error) {
	rows, err := tx.Query(ctx, `SELECT c.received_at, c.gateway, c.status, i.number, coalesce(sv.code, ''), i.service, coalesce(pr.name_uk, ''),
			coalesce(pr.edrpou, ''), i.recipient, i.edrpou, i.iban, i.payer, p.amount_kopecks, p.currency, p.gateway_id, i.purpose, p.refund_due
		FROM payment_callbacks c
		JOIN payments p ON p.gateway = c.gateway AND p.gateway_id = c.gateway_id AND p.invoice_id = c.invoice_id
		JOIN invoices i ON i.id = p.invoice_id
		LEFT JOIN applications a ON a.id = i.application_id
		LEFT JOIN services sv ON sv.id = a.service_id
		LEFT JOIN providers pr ON pr.id = i.provider_id
		WHERE c.outcome = 'accepted' AND c.received_at >= $1 AND c.received_at < $2 AND p.status IN ('succeeded', 'reversed')
		ORDER BY c.received_at, c.id`, from, to)
	if err != nil {
		return nil, fmt.Errorf("payments: the export: %w", err)
	}
	var out []ExportRow
	for rows.Next() {
		var (
			r   ExportRow
			raw string
		)
		if err := rows.Scan(&r.At, &r.Gateway, &raw, &r.Number, &r.ServiceCode, &r.Service, &r.Provider, &r.ProviderCode, &r.Recipient, &r.EDRPOU,
			&r.IBAN, &r.Payer, &r.AmountKopecks, &r.Currency, &r.GatewayID, &r.Purpose, &r.RefundDue); err != nil {
			rows.Close()
			return nil, fmt.Errorf("payments: the export: %w", err)
		}
		switch platformStatus(r.Gateway, raw) {
		case Succeeded:
			r.Kind = ExportPaid
		case Reversed:
			r.Kind, r.AmountKopecks, r.RefundDue = ExportRefunded, -r.AmountKopecks, false
		default:
			continue // a pending step of a payment that later succeeded
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("payments: the export: %w", err)
	}
	return out, nil
}

// platformStatus maps a gateway's own status to the platform's.
func platformStatus(g Gateway, raw string) PaymentStatus {
	if g == Monobank {
		return monobankStatus(raw)
	}
	return liqpayStatus(raw)
}

// exportHeader is the export's first line, in Ukrainian: the city's
// accounting reads it.
var exportHeader = []string{"Дата і час (Київ)", "Статус", "Номер заяви", "Код послуги", "Послуга", "Надавач", "ЄДРПОУ надавача",
	"Отримувач", "ЄДРПОУ отримувача", "IBAN отримувача", "Платник", "Сума, грн", "Валюта", "Платіжна система", "Ідентифікатор платежу",
	"Призначення платежу", "Примітка"}

var (
	exportStatus  = map[ExportKind]string{ExportPaid: "сплачено", ExportRefunded: "повернено"}
	exportGateway = map[Gateway]string{LiqPay: "LiqPay", Monobank: "monobank"}
)

// WriteExport writes rows as the CSV that Ukrainian accounting software
// imports without a dialog: UTF-8 with a byte order mark (so Excel and
// 1C/BAS take it as UTF-8, not Windows-1251), ";" between fields and a
// comma in amounts (the Ukrainian decimal separator, which a ";" file
// leaves unambiguous), dates as 05.12.2026 14:03:00 in Kyiv time, CRLF
// line ends. A text cell that would start a formula is defused.
func WriteExport(w io.Writer, rows []ExportRow) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma, cw.UseCRLF = ';', true
	if err := cw.Write(exportHeader); err != nil {
		return err
	}
	for _, r := range rows {
		note := ""
		if r.RefundDue {
			note = "підлягає поверненню: рахунок уже сплачено або скасовано"
		}
		rec := []string{r.At.In(tenant.Zone).Format("02.01.2006 15:04:05"), exportStatus[r.Kind], r.Number, r.ServiceCode, r.Service,
			r.Provider, r.ProviderCode, r.Recipient, r.EDRPOU, r.IBAN, r.Payer, "", r.Currency, exportGateway[r.Gateway], r.GatewayID, r.Purpose, note}
		for i := range rec {
			rec[i] = defuse(rec[i])
		}
		rec[11] = FormatKopecks(r.AmountKopecks) // a number, negative for a refund: not a formula
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// defuse keeps a spreadsheet from reading a cell as a formula (one
// starting with = + - @, a tab or a carriage return) by a leading
// apostrophe (OWASP's CSV injection advice): a payer's name or a
// register's text is typed by people.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
