package cityapi

import (
	"encoding/json"
	"net/http"

	"hromada/modules/notify"
)

// apiPushDevice is the city app's push registration: FCM's registration
// token of this installation, and the app's version.
type apiPushDevice struct {
	Platform   string `json:"platform"`
	Token      string `json:"token"`
	AppVersion string `json:"app_version,omitempty"`
}

// apiRegisterPush registers (or moves to the caller) the installation's
// push token; notify then sends the person's notices there, per kind as
// they chose. The same token again changes nothing.
func (h *HTTP) apiRegisterPush(w http.ResponseWriter, r *http.Request) {
	var in apiPushDevice
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Platform != string(notify.FCMPlatform) {
		h.rd.Problem(w, r, ErrBadJSON)
		return
	}
	id, err := h.notify.RegisterDevice(r.Context(), callerOf(r).Account, notify.Device{Platform: notify.FCMPlatform, Token: in.Token, AppVersion: in.AppVersion})
	h.writeJSON(w, r, http.StatusCreated, map[string]string{"id": id.String()}, err)
}

// apiUnregisterPush forgets the installation's push token (the person
// signed out of the app, or turned its notices off); unknown, nothing.
func (h *HTTP) apiUnregisterPush(w http.ResponseWriter, r *http.Request) {
	var in apiPushDevice
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Platform != string(notify.FCMPlatform) || in.Token == "" {
		h.rd.Problem(w, r, ErrBadJSON)
		return
	}
	if err := h.notify.UnregisterDevice(r.Context(), callerOf(r).Account, notify.FCMPlatform, in.Token); err != nil {
		h.rd.Problem(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
