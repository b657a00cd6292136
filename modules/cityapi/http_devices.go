package cityapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/web"
)

// devicesData is «Мої пристрої».
type devicesData struct {
	Devices []Device
	Revoked bool // a device was just signed out
}

func (h *HTTP) handleDevices(w http.ResponseWriter, r *http.Request) {
	ds, err := h.svc.Devices(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, http.StatusOK, "cityapi/devices", &web.Page{TitleKey: "cityapi.devices.title",
		Data: devicesData{Devices: ds, Revoked: r.URL.Query().Get("done") == "revoked"}})
}

func (h *HTTP) handleRevokeDevice(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Error(w, r, ErrNoDevice)
		return
	}
	if err := h.svc.RevokeDevice(r.Context(), id); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/devices?done=revoked", http.StatusSeeOther)
}
