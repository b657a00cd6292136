package idgovua

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"hromada/ukid"
)

// Person is who signed in, as id.gov.ua vouches for them. Every field is
// trimmed; RNOKPP has passed ValidRNOKPP, and EDRPOU, when not empty,
// ValidEDRPOU.
type Person struct {
	GivenName  string // ім’я
	LastName   string // прізвище
	MiddleName string // по батькові; may be empty
	RNOKPP     string // taxpayer number, 10 digits (drfocode)
	EDRPOU     string // the legal entity they represent, 8 digits (edrpoucode); empty for an individual
	Email      string
	Phone      string
	Address    string // one line, whatever shape id.gov.ua sent it in
	UNZR       string // record number in the demographic register, if they have one
	AuthType   string // how they signed in: dig_sign, bank_id or diia_id
}

// FullName is the name the Ukrainian way, «Прізвище Ім’я По батькові»,
// leaving out the parts that are empty.
func (p Person) FullName() string {
	parts := make([]string, 0, 3)
	for _, s := range []string{p.LastName, p.GivenName, p.MiddleName} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// userInfoFields are the fields UserInfo asks for.
var userInfoFields = []string{
	"givenname", "lastname", "middlename", "drfocode", "edrpoucode",
	"email", "phone", "address", "unzr", "auth_type",
}

// UserInfo fetches the person tok was issued for and checks their numbers.
// A РНОКПП that is missing or fails its check digit, or an ЄДРПОУ that fails
// its own, is ErrMalformed: Hromada keys people by these numbers, so a wrong
// one must not sign anybody in. An expired or unknown token is
// ErrInvalidToken.
//
// The call is a GET with the token in the query, as id.gov.ua's protocol
// describes it; a POST form would keep the token out of server logs, but is
// not what id.gov.ua promises to take here. The token is short-lived, the
// URL goes only to id.gov.ua over TLS, the default client follows no
// redirect and no error text quotes the URL.
func (c *Client) UserInfo(ctx context.Context, tok *Token) (*Person, error) {
	const op = "get-user-info"
	if tok == nil || tok.AccessToken == "" || tok.UserID == "" {
		return nil, fmt.Errorf("%w: %s: no access token or user id", ErrInvalidToken, op)
	}
	q := url.Values{
		"access_token": {tok.AccessToken},
		"user_id":      {tok.UserID},
		"fields":       {strings.Join(userInfoFields, ",")},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/"+op+"?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidConfig, op, err)
	}
	var raw struct {
		GivenName  flexString `json:"givenname"`
		LastName   flexString `json:"lastname"`
		MiddleName flexString `json:"middlename"`
		DRFOCode   flexString `json:"drfocode"`
		EDRPOUCode flexString `json:"edrpoucode"`
		Email      flexString `json:"email"`
		Phone      flexString `json:"phone"`
		Address    address    `json:"address"`
		UNZR       flexString `json:"unzr"`
		AuthType   flexString `json:"auth_type"`
	}
	if err := c.call(req, op, &raw, ErrInvalidToken, tok.AccessToken, tok.RefreshToken); err != nil {
		return nil, err
	}
	p := &Person{
		GivenName:  string(raw.GivenName),
		LastName:   string(raw.LastName),
		MiddleName: string(raw.MiddleName),
		RNOKPP:     string(raw.DRFOCode),
		EDRPOU:     string(raw.EDRPOUCode),
		Email:      string(raw.Email),
		Phone:      string(raw.Phone),
		Address:    string(raw.Address),
		UNZR:       string(raw.UNZR),
		AuthType:   string(raw.AuthType),
	}
	// The numbers are personal data: the errors say what is wrong, not what
	// came.
	switch {
	case p.RNOKPP == "":
		return nil, fmt.Errorf("%w: %s: no drfocode", ErrMalformed, op)
	case !ukid.ValidRNOKPP(p.RNOKPP):
		return nil, fmt.Errorf("%w: %s: drfocode is not a valid РНОКПП", ErrMalformed, op)
	case p.EDRPOU != "" && !ukid.ValidEDRPOU(p.EDRPOU):
		return nil, fmt.Errorf("%w: %s: edrpoucode is not a valid ЄДРПОУ", ErrMalformed, op)
	case p.LastName == "" && p.GivenName == "":
		return nil, fmt.Errorf("%w: %s: no name", ErrMalformed, op)
	}
	return p, nil
}
