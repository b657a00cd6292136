package operator

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"hromada/tenant"
	"hromada/web"
)

// exchangeData is the console's page of one city's national messages.
type exchangeData struct {
	City     *tenant.Tenant
	Messages []ExchangeMessage
	Listed   int
	Counts   Exchange
}

// exchangeRoutes mounts the page of a city's national exchange.
func (c *Console) exchangeRoutes(r chi.Router) {
	r.Get("/tenants/{slug}/exchange", c.handleExchange)
}

// handleExchange lists what the city sent to the national monitoring
// system, when, and what failed, attempt by attempt.
func (c *Console) handleExchange(w http.ResponseWriter, r *http.Request) {
	t, err := c.svc.Get(r.Context(), chi.URLParam(r, "slug"))
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	d := exchangeData{City: t, Listed: exchangeListed}
	if d.Messages, err = c.svc.ExchangeMessages(r.Context(), t.ID); err != nil {
		c.rd.Error(w, r, err)
		return
	}
	all, err := c.svc.Exchanges(r.Context())
	if err != nil {
		c.rd.Error(w, r, err)
		return
	}
	d.Counts = all[t.ID]
	c.rd.Render(w, r, http.StatusOK, "operator/exchange", &web.Page{TitleKey: "monitoring.operator_messages_title", Platform: true, Data: d})
}
