package cityapi

import (
	"net/http"
)

// apiProfile is the resident's profile as the API gives it.
type apiProfile struct {
	RNOKPP     string `json:"rnokpp"`
	FullName   string `json:"full_name"`
	FamilyName string `json:"family_name"`
	GivenName  string `json:"given_name"`
	MiddleName string `json:"middle_name,omitempty"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
}

func (h *HTTP) apiMe(w http.ResponseWriter, r *http.Request) {
	a, err := h.svc.Profile(r.Context())
	if err != nil {
		h.writeJSON(w, r, 0, nil, err)
		return
	}
	h.writeJSON(w, r, http.StatusOK, apiProfile{RNOKPP: a.RNOKPP, FullName: a.FullName, FamilyName: a.FamilyName,
		GivenName: a.GivenName, MiddleName: a.MiddleName, Email: a.Email, Phone: a.Phone}, nil)
}
