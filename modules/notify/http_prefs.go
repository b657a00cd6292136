package notify

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"hromada/apperr"
	"hromada/web"
)

// prefsData is what the preferences page shows: the stored preferences,
// and what was typed when a form failed (kept, with its field's error).
type prefsData struct {
	*Preferences
	Kinds     []Kind
	Typed     map[string]string // field → value typed
	Errors    map[string]string // field → message
	QuietFrom string
	QuietTo   string
	Done      string // what the last form did: sent, confirmed, saved
	// VAPIDKey is the city's key browsers subscribe with; empty: no Web
	// Push on this portal.
	VAPIDKey string
}

func (h *HTTP) renderPrefs(w http.ResponseWriter, r *http.Request, status int, typed, errs map[string]string) {
	p, err := signed(r)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	prefs, err := h.svc.Preferences(r.Context(), p.AccountID)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	d := prefsData{Preferences: prefs, Kinds: Kinds, Typed: typed, Errors: errs, Done: r.URL.Query().Get("done")}
	if d.VAPIDKey, err = h.svc.VAPIDPublicKey(r.Context()); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	if d.Typed == nil {
		d.Typed = map[string]string{}
	}
	d.QuietFrom, d.QuietTo = "", ""
	if prefs.Settings.QuietFrom != prefs.Settings.QuietTo {
		d.QuietFrom, d.QuietTo = clock(prefs.Settings.QuietFrom), clock(prefs.Settings.QuietTo)
	}
	if v, ok := typed["quiet_from"]; ok {
		d.QuietFrom, d.QuietTo = v, typed["quiet_to"]
	}
	h.rd.Render(w, r, status, "notify/settings", &web.Page{TitleKey: "notify.prefs.title", Data: d})
}

func (h *HTTP) handlePrefs(w http.ResponseWriter, r *http.Request) {
	h.renderPrefs(w, r, http.StatusOK, nil, nil)
}

// formError re-renders the page with err's message at field, keeping
// what was typed; anything but an apperr is the server's fault.
func (h *HTTP) formError(w http.ResponseWriter, r *http.Request, err error, field string, typed map[string]string) {
	ae := apperr.As(err)
	if ae == nil || ae.Code != apperr.Invalid {
		h.rd.Error(w, r, err)
		return
	}
	l := h.rd.Localizer(r)
	h.renderPrefs(w, r, http.StatusUnprocessableEntity, typed, map[string]string{field: l.Message(ae.Key, ae.Args)})
}

func channelOf(r *http.Request) (Channel, bool) {
	c := Channel(r.PostFormValue("channel"))
	return c, c == Email || c == SMS
}

func (h *HTTP) handleAddress(w http.ResponseWriter, r *http.Request) {
	p, err := signed(r)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	c, ok := channelOf(r)
	if !ok {
		h.rd.Error(w, r, ErrChannelOff)
		return
	}
	field := "address-" + string(c)
	typed := r.PostFormValue("address")
	if err := h.svc.SetAddress(r.Context(), p.AccountID, c, typed); err != nil {
		h.formError(w, r, err, field, map[string]string{field: typed})
		return
	}
	http.Redirect(w, r, "/cabinet/notifications/settings?done=sent#"+field, http.StatusSeeOther)
}

func (h *HTTP) handleConfirm(w http.ResponseWriter, r *http.Request) {
	p, err := signed(r)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	c, ok := channelOf(r)
	if !ok {
		h.rd.Error(w, r, ErrChannelOff)
		return
	}
	field := "code-" + string(c)
	typed := r.PostFormValue("code")
	if err := h.svc.Confirm(r.Context(), p.AccountID, c, typed); err != nil {
		h.formError(w, r, err, field, map[string]string{field: typed})
		return
	}
	http.Redirect(w, r, "/cabinet/notifications/settings?done=confirmed", http.StatusSeeOther)
}

// errQuiet names the field of quiet hours that is not a time of day.
var errQuiet = apperr.New(apperr.Invalid, "notify.error.quiet")

func (h *HTTP) handleSavePrefs(w http.ResponseWriter, r *http.Request) {
	p, err := signed(r)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	enabled := map[Kind]map[Channel]bool{}
	for _, k := range Kinds {
		enabled[k] = map[Channel]bool{}
	}
	for _, v := range r.PostForm["on"] {
		k, c, _ := strings.Cut(v, ".")
		if m, ok := enabled[Kind(k)]; ok {
			m[Channel(c)] = true
		}
	}
	typed := map[string]string{"quiet_from": r.PostFormValue("quiet_from"), "quiet_to": r.PostFormValue("quiet_to"), "district": r.PostFormValue("district")}
	st := Settings{Language: r.PostFormValue("language"), Digest: r.PostFormValue("new_work") == "digest", District: typed["district"]}
	var ok bool
	if st.QuietFrom, ok = minutes(typed["quiet_from"]); !ok {
		h.formError(w, r, errQuiet, "quiet_from", typed)
		return
	}
	if st.QuietTo, ok = minutes(typed["quiet_to"]); !ok {
		h.formError(w, r, errQuiet, "quiet_to", typed)
		return
	}
	if err := h.svc.SavePreferences(r.Context(), p.AccountID, enabled, st); err != nil {
		if errors.Is(err, ErrDistrict) {
			h.formError(w, r, err, "district", typed)
			return
		}
		h.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/notifications/settings?"+url.Values{"done": {"saved"}}.Encode(), http.StatusSeeOther)
}

// minutes reads "HH:MM" (empty: 0, no quiet hours when both are empty).
func minutes(v string) (int, bool) {
	if v == "" {
		return 0, true
	}
	t, err := time.Parse("15:04", v)
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}
