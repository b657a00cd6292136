package payments_test

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/identity"
	"hromada/modules/payments"
	"hromada/modules/payments/liqpaysim"
	"hromada/tenant"
)

// rnokpp is a staff member's tax number (a valid check digit).
const rnokpp = "2222222225"

// staff is the tenant's context with a signed-in member of staff.
func (e *env) staff(t *testing.T, name string) context.Context {
	t.Helper()
	var ctx context.Context
	require.NoError(t, e.db.App.Tx(e.ctx, func(c context.Context, tx pgx.Tx) error {
		a, err := identity.EnsureAccount(c, tx, identity.Profile{RNOKPP: rnokpp, FullName: name})
		if err != nil {
			return err
		}
		ctx = identity.WithSigned(e.ctx, &identity.Signed{AccountID: a.ID, FullName: name})
		return nil
	}))
	return ctx
}

func (e *env) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.App.ReadTx(e.ctx, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, sql, args...).Scan(&n)
	}))
	return n
}

// The export's rows: a payment received is a row, its refund another
// with the amount negative, a second payment of a paid invoice a row
// flagged to go back, a declined payment none; another period has none;
// each export is in the audit log with who took which period.
func TestExportRows(t *testing.T) {
	t.Parallel()
	e := setup(t)
	key := e.sim.PrivateKey(e.public)
	paid := e.application(t)
	spPaid := e.pay(t, paid, false)
	refunded := e.application(t)
	sp := e.pay(t, refunded, false)
	sp.Status = "reversed"
	res, err := e.callback(t, key, liqpaysim.Callback(sp))
	require.NoError(t, err)
	require.Equal(t, payments.Accepted, res.Outcome)
	twice := e.application(t)
	e.pay(t, twice, false)
	res, err = e.callback(t, key, liqpaysim.Callback(liqpaysim.Payment{PaymentID: 990001, PublicKey: e.public, OrderID: twice.ID.String(),
		Status: "success", Amount: "25.74", Currency: "UAH"}))
	require.NoError(t, err)
	require.Equal(t, payments.ReasonAlreadyPaid, res.Reason)
	e.pay(t, e.application(t), true) // declined: no money moved

	ctx := e.staff(t, "Бухгалтерка Ірина")
	today := time.Now().In(tenant.Zone)
	period, errs := payments.ParsePeriod(today.Format(time.DateOnly), today.Format(time.DateOnly))
	require.Empty(t, errs)
	rows, err := e.svc.Export(ctx, period)
	require.NoError(t, err)
	type line struct {
		Number    string
		Kind      payments.ExportKind
		Amount    int64
		RefundDue bool
	}
	var got []line
	for _, r := range rows {
		got = append(got, line{r.Number, r.Kind, r.AmountKopecks, r.RefundDue})
	}
	require.Equal(t, []line{
		{paid.Number, payments.ExportPaid, 2574, false},
		{refunded.Number, payments.ExportPaid, 2574, false},
		{refunded.Number, payments.ExportRefunded, -2574, false},
		{twice.Number, payments.ExportPaid, 2574, false},
		{twice.Number, payments.ExportPaid, 2574, true},
	}, got)
	r := rows[0]
	require.Equal(t, "Реєстрація місця проживання", r.Service)
	require.NotEmpty(t, r.ServiceCode)
	require.Equal(t, "ЦНАП", r.Provider)
	require.Equal(t, fee.Recipient, r.Recipient)
	require.Equal(t, fee.EDRPOU, r.EDRPOU)
	require.Equal(t, fee.IBAN, r.IBAN)
	require.Equal(t, "Петренко Олена Іванівна", r.Payer)
	require.Equal(t, "UAH", r.Currency)
	require.Equal(t, payments.LiqPay, r.Gateway)
	require.Equal(t, strconv.FormatInt(spPaid.PaymentID, 10), r.GatewayID)
	require.Equal(t, paid.Purpose, r.Purpose)
	require.WithinDuration(t, time.Now(), r.At, time.Minute)

	// Yesterday: nothing.
	y := today.AddDate(0, 0, -1).Format(time.DateOnly)
	period, errs = payments.ParsePeriod(y, y)
	require.Empty(t, errs)
	rows, err = e.svc.Export(ctx, period)
	require.NoError(t, err)
	require.Empty(t, rows)

	require.Equal(t, 2, e.count(t, `SELECT count(*) FROM audit_events WHERE action = 'payments.export' AND actor_name = 'Бухгалтерка Ірина'`))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM audit_events WHERE action = 'payments.export' AND (details->>'rows')::int = 5
		AND details->>'from' = $1 AND details->>'to' = $1`, today.Format(time.DateOnly)))

	// No one signed in: nothing.
	_, err = e.svc.Export(e.ctx, period)
	require.Error(t, err)
}

// The CSV as Ukrainian accounting software reads it: a BOM, ";", CRLF, the
// decimal comma, Kyiv's time, a formula defused.
func TestWriteExport(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 5, 22, 30, 0, 0, time.UTC) // 00:30 on the 6th in Kyiv
	rows := []payments.ExportRow{
		{At: at, Kind: payments.ExportPaid, Number: "2026-000017", ServiceCode: "KY-0001", Service: "Реєстрація; місця", Provider: "ЦНАП", ProviderCode: "12345678",
			Recipient: fee.Recipient, EDRPOU: fee.EDRPOU, IBAN: fee.IBAN, Payer: "=HYPERLINK(\"x\")", AmountKopecks: 2574, Currency: "UAH",
			Gateway: payments.Monobank, GatewayID: "p2_x", Purpose: "*;101;3184710691;Адміністративний збір;;;"},
		{At: at, Kind: payments.ExportRefunded, Number: "2026-000017", AmountKopecks: -105, Currency: "UAH", Gateway: payments.LiqPay, GatewayID: "7"},
	}
	var buf bytes.Buffer
	require.NoError(t, payments.WriteExport(&buf, rows))
	out := buf.String()
	require.True(t, strings.HasPrefix(out, "\uFEFFДата і час (Київ);Статус;Номер заяви;Код послуги;"), out)
	lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
	require.Len(t, lines, 3)
	require.Equal(t, `06.12.2026 00:30:00;сплачено;2026-000017;KY-0001;"Реєстрація; місця";ЦНАП;12345678;ГУК у м. Києві/м. Київ/22012500;37994106;`+
		fee.IBAN+`;"'=HYPERLINK(""x"")";25,74;UAH;monobank;p2_x;"*;101;3184710691;Адміністративний збір;;;";`, lines[1])
	require.Regexp(t, regexp.MustCompile(`^06\.12\.2026 00:30:00;повернено;2026-000017;.*;-1,05;UAH;LiqPay;7;;$`), lines[2])
}

// A period as typed: each bad field named.
func TestParsePeriod(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		from, to string
		want     map[string]string
	}{
		{"2026-12-01", "2026-12-05", map[string]string{}},
		{"2026-12-05", "2026-12-05", map[string]string{}},
		{" 01.12.2026", "05.12.2026 ", map[string]string{}},
		{"", "2026-12-05", map[string]string{"from": "pay.export_from_missing"}},
		{"5/12/2026", "", map[string]string{"from": "pay.export_from_bad", "to": "pay.export_to_missing"}},
		{"31.11.2026", "01.12.2026", map[string]string{"from": "pay.export_from_bad"}},
		{"2026-12-01", "2026-13-01", map[string]string{"to": "pay.export_to_bad"}},
		{"2026-12-05", "2026-12-01", map[string]string{"to": "pay.export_to_before"}},
		{"2025-01-01", "2026-12-01", map[string]string{"to": "pay.export_too_long"}},
	} {
		_, errs := payments.ParsePeriod(c.from, c.to)
		got := map[string]string{}
		for f, e := range errs {
			got[f] = e.Key
		}
		require.Equal(t, c.want, got, c.from+" – "+c.to)
	}
}
