package payments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"hromada/modules/access"
	"hromada/modules/notify"
	"hromada/tenant"
)

// Reconciliation (the anchor is DIGIT's egov-pg-service's scheduled
// reconciliation): once a day, per city, the gateway's own statement of
// the last reconcileWindow is compared with the payments the platform
// recorded. The statement is the gateway's answer to the platform's
// authenticated call (LiqPay's "reports" action, monobank's
// /api/merchant/statement), so a payment it lists that the platform
// missed (its callback lost) is recorded from it as a callback would be
// (apply, with the same checks, logged); every difference is raised to
// the city's dispatchers as a notice.

// reconcileWindow is how far back each run looks: a day and its margin,
// so a payment made around a run is seen by the next.
const reconcileWindow = 48 * time.Hour

// Discrepancy is a difference between the gateway's statement and the
// platform's record.
type Discrepancy struct {
	GatewayID string
	Kind      string // missed (recorded now), status, amount, unknown (the platform has it, the statement not)
	Detail    string
}

// stated is one payment as a gateway's statement lists it.
type stated struct {
	GatewayID     string
	Invoice       string // the order id / reference
	Status        string // the gateway's own
	AmountKopecks int64
	Currency      string
	Raw           map[string]any
}

// Reconcile compares the city's gateway's statement with the platform's
// payments, records what the platform missed and tells the dispatchers of
// every difference. The statement is fetched outside any transaction.
func (s *Service) Reconcile(ctx context.Context) ([]Discrepancy, error) {
	var st Settings
	err := s.o.DB.ReadTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		st, err = s.settings(ctx, tx)
		return err
	})
	if errors.Is(err, ErrNotConfigured) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	t, err := tenant.From(ctx)
	if err != nil {
		return nil, err
	}
	to := s.now()
	from := to.Add(-reconcileWindow)
	var list []stated
	switch st.Gateway {
	case LiqPay:
		list, err = s.liqpayStatement(ctx, t, st, from, to)
	case Monobank:
		list, err = s.monobankStatement(ctx, t, st, from, to)
	}
	if err != nil {
		return nil, err
	}
	var out []Discrepancy
	err = s.o.DB.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		out = nil
		seen := map[string]bool{}
		for _, e := range list {
			seen[e.GatewayID] = true
			d, err := s.reconcileOne(ctx, tx, st.Gateway, e)
			if err != nil {
				return err
			}
			if d != nil {
				out = append(out, *d)
			}
		}
		rows, err := tx.Query(ctx, `SELECT gateway_id FROM payments WHERE gateway = $1 AND status = 'succeeded' AND created_at >= $2 AND created_at < $3`,
			st.Gateway, from, to.Add(-time.Minute))
		if err != nil {
			return fmt.Errorf("payments: reconciling: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("payments: reconciling: %w", err)
		}
		for _, id := range ids {
			if !seen[id] {
				out = append(out, Discrepancy{GatewayID: id, Kind: "unknown", Detail: "the statement does not list this payment"})
			}
		}
		return s.raise(ctx, tx, st.Gateway, out)
	})
	return out, err
}

// reconcileOne compares one stated payment with the record.
func (s *Service) reconcileOne(ctx context.Context, tx pgx.Tx, g Gateway, e stated) (*Discrepancy, error) {
	want := liqpayStatus(e.Status)
	if g == Monobank {
		want = monobankStatus(e.Status)
	}
	p, err := paymentByGatewayID(ctx, tx, g, e.GatewayID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if want != Succeeded && want != Reversed {
			return nil, nil // an attempt that came to nothing: nothing was missed
		}
		id, perr := uuid.Parse(e.Invoice)
		if perr != nil {
			return &Discrepancy{GatewayID: e.GatewayID, Kind: "missed", Detail: "order " + e.Invoice + " is not one of the city's invoices"}, nil
		}
		raw, _ := json.Marshal(e.Raw)
		l := logged{Gateway: g, Body: "statement: " + string(raw), GatewayID: e.GatewayID, Status: e.Status}
		res, err := s.apply(ctx, tx, report{Gateway: g, GatewayID: e.GatewayID, Invoice: id, Status: want, RawStatus: e.Status,
			AmountKopecks: e.AmountKopecks, Currency: e.Currency, Evidence: e.Raw}, &l)
		if err != nil {
			return nil, err
		}
		return &Discrepancy{GatewayID: e.GatewayID, Kind: "missed", Detail: fmt.Sprintf("recorded from the statement: %s %s", res.Outcome, res.Reason)}, nil
	case err != nil:
		return nil, err
	case p.AmountKopecks != e.AmountKopecks:
		return &Discrepancy{GatewayID: e.GatewayID, Kind: "amount", Detail: fmt.Sprintf("the statement says %s, the record %s", FormatKopecks(e.AmountKopecks), FormatKopecks(p.AmountKopecks))}, nil
	case p.Status != want && want != Pending:
		return &Discrepancy{GatewayID: e.GatewayID, Kind: "status", Detail: fmt.Sprintf("the statement says %s, the record %s", e.Status, p.Status)}, nil
	}
	return nil, nil
}

// raise tells the city's dispatchers of the differences, one notice each
// run.
func (s *Service) raise(ctx context.Context, tx pgx.Tx, g Gateway, ds []Discrepancy) error {
	if len(ds) == 0 || s.o.Notify == nil {
		return nil
	}
	to, err := access.HoldersTx(ctx, tx, access.RoleDispatcher, s.now())
	if err != nil {
		return err
	}
	var lines []string
	for _, d := range ds {
		lines = append(lines, string(g)+" "+d.GatewayID+": "+d.Kind+" — "+d.Detail)
	}
	for _, acc := range to {
		if _, err := s.o.Notify.Post(ctx, tx, notify.Notice{Account: acc, Kind: notify.KindNewWork, Key: "notify.payment_discrepancies",
			Args: map[string]any{"Count": len(ds), "Gateway": string(g), "List": strings.Join(lines, "; ")}}); err != nil {
			return err
		}
	}
	if len(to) == 0 {
		s.o.Log.WarnContext(ctx, "payments: reconciliation differences and no dispatcher to tell", "count", len(ds))
	}
	return nil
}

// liqpayStatement is LiqPay's "reports" of the period.
func (s *Service) liqpayStatement(ctx context.Context, t *tenant.Tenant, st Settings, from, to time.Time) ([]stated, error) {
	data, sig, err := LiqPayEncode(st.Secret, map[string]any{"version": 3, "public_key": st.PublicKey, "action": "reports",
		"date_from": from.UnixMilli(), "date_to": to.UnixMilli()})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(s.o.LiqPayURL(t), "/")+"/api/request",
		strings.NewReader(url.Values{"data": {data}, "signature": {sig}}.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.o.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("payments: liqpay reports: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		Result string           `json:"result"`
		Data   []map[string]any `json:"data"`
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil || resp.StatusCode != http.StatusOK || out.Result != "success" {
		return nil, fmt.Errorf("payments: liqpay reports: %d %s %v", resp.StatusCode, out.Result, err)
	}
	var list []stated
	for _, r := range out.Data {
		amount, err := kopecksOf(fmt.Sprint(r["amount"]))
		if err != nil {
			return nil, fmt.Errorf("payments: liqpay reports: amount %v", r["amount"])
		}
		list = append(list, stated{GatewayID: fmt.Sprint(r["payment_id"]), Invoice: fmt.Sprint(r["order_id"]), Status: fmt.Sprint(r["status"]),
			AmountKopecks: amount, Currency: fmt.Sprint(r["currency"]), Raw: r})
	}
	return list, nil
}

// monobankStatement is monobank's statement of the period.
func (s *Service) monobankStatement(ctx context.Context, t *tenant.Tenant, st Settings, from, to time.Time) ([]stated, error) {
	var out struct {
		List []map[string]any `json:"list"`
	}
	path := "/api/merchant/statement?from=" + strconv.FormatInt(from.Unix(), 10) + "&to=" + strconv.FormatInt(to.Unix(), 10)
	if err := s.monobankCall(ctx, s.o.MonobankURL(t), st.Secret, http.MethodGet, path, nil, &out); err != nil {
		return nil, err
	}
	var list []stated
	for _, r := range out.List {
		amount, _ := r["amount"].(float64)
		ccy, _ := r["ccy"].(float64)
		currency := strconv.Itoa(int(ccy))
		if int(ccy) == ccyUAH {
			currency = Currency
		}
		list = append(list, stated{GatewayID: fmt.Sprint(r["invoiceId"]), Invoice: fmt.Sprint(r["reference"]), Status: fmt.Sprint(r["status"]),
			AmountKopecks: int64(amount), Currency: currency, Raw: r})
	}
	return list, nil
}

// ReconcileArgs runs a city's reconciliation.
type ReconcileArgs struct {
	tenant.Envelope
}

// Kind implements river.JobArgs.
func (ReconcileArgs) Kind() string { return "payments.reconcile" }

// NewReconcileWorker returns the worker of ReconcileArgs. Reconcile owns
// its transactions (the statement is fetched outside them); the job's
// completion is River's own.
func (s *Service) NewReconcileWorker() river.Worker[ReconcileArgs] {
	return tenant.NewStepWorker(s.o.DB, func(ctx context.Context, _ *river.Job[ReconcileArgs]) ([]Discrepancy, error) {
		return s.Reconcile(ctx)
	}, func(context.Context, pgx.Tx, *river.Job[ReconcileArgs], []Discrepancy) error { return nil })
}

// ReconcileAllArgs fans out one ReconcileArgs per active city; it runs
// daily (cmd/hromada) and carries no tenant itself.
type ReconcileAllArgs struct{}

// Kind implements river.JobArgs.
func (ReconcileAllArgs) Kind() string { return "payments.reconcile_all" }

// ReconcileAllWorker enqueues each active city's reconciliation.
type ReconcileAllWorker struct {
	river.WorkerDefaults[ReconcileAllArgs]
	DB *tenant.DB
}

// Work implements river.Worker.
func (w *ReconcileAllWorker) Work(ctx context.Context, _ *river.Job[ReconcileAllArgs]) error {
	return tenant.FanOut(ctx, w.DB, func(e tenant.Envelope) ReconcileArgs { return ReconcileArgs{Envelope: e} })
}
