package notify

import (
	"encoding/json"
	"io"
	"net/http"
)

// subscriptionJSON is what a browser's PushSubscription.toJSON() gives
// (expirationTime is not kept: a push service says 404/410 when it ends).
type subscriptionJSON struct {
	Endpoint string            `json:"endpoint"`
	Keys     map[string]string `json:"keys"`
}

func readSubscription(r *http.Request) (subscriptionJSON, error) {
	var sub subscriptionJSON
	err := json.NewDecoder(io.LimitReader(r.Body, 16<<10)).Decode(&sub)
	if err != nil {
		return sub, ErrBadDevice
	}
	return sub, nil
}

// handleWebPush registers this browser's subscription for the signed-in
// person (push.js posts it after the person asked for it); posting it
// again changes nothing.
func (h *HTTP) handleWebPush(w http.ResponseWriter, r *http.Request) {
	p, err := signed(r)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	sub, err := readSubscription(r)
	if err == nil {
		_, err = h.svc.RegisterDevice(r.Context(), p.AccountID, Device{Platform: WebPushPlatform, Token: sub.Endpoint, Keys: sub.Keys})
	}
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleWebPushRemove forgets this browser's subscription (the person
// turned it off here).
func (h *HTTP) handleWebPushRemove(w http.ResponseWriter, r *http.Request) {
	p, err := signed(r)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	sub, err := readSubscription(r)
	if err == nil {
		err = h.svc.UnregisterDevice(r.Context(), p.AccountID, WebPushPlatform, sub.Endpoint)
	}
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
