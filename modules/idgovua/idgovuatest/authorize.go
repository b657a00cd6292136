package idgovuatest

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// knownAuthTypes are the sign-in methods id.gov.ua offers.
var knownAuthTypes = []string{"dig_sign", "bank_id", "diia_id"}

// authorize is GET / (and the page's POST back): check the request, then
// deny, sign somebody in, or show the page to choose who.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	req, problem := s.checkAuthorize(r.Form)
	if problem != "" {
		// Not a redirect: the redirect_uri is not trusted yet.
		http.Error(w, "idgovuatest: "+problem, http.StatusBadRequest)
		return
	}
	status := http.StatusFound
	if r.Method == http.MethodPost {
		status = http.StatusSeeOther
	}

	s.mu.Lock()
	deny := s.deny
	s.deny = false
	s.mu.Unlock()
	if deny || r.Form.Has("deny") {
		http.Redirect(w, r, req.callback(url.Values{
			"error":             {"access_denied"},
			"error_description": {"the user declined"},
		}), status)
		return
	}
	if !r.Form.Has("person") {
		s.renderPage(w, r.Form)
		return
	}
	i, err := strconv.Atoi(r.Form.Get("person"))
	if err != nil || i < 0 || i >= len(s.opts.People) {
		http.Error(w, "idgovuatest: person is not an index of Options.People", http.StatusBadRequest)
		return
	}
	code := random()
	s.mu.Lock()
	s.codes[code] = &grant{
		clientID:    req.clientID,
		redirectURI: req.redirectURI,
		person:      i,
		authType:    s.authTypeOf(i, req.authTypes),
		issued:      s.now(),
	}
	s.mu.Unlock()
	http.Redirect(w, r, req.callback(url.Values{"code": {code}}), status)
}

// authRequest is a checked authorize request.
type authRequest struct {
	clientID, redirectURI, state string
	authTypes                    []string
}

func (s *Server) checkAuthorize(q url.Values) (authRequest, string) {
	req := authRequest{
		clientID:    q.Get("client_id"),
		redirectURI: q.Get("redirect_uri"),
		state:       q.Get("state"),
		authTypes:   strings.Split(q.Get("auth_type"), ","),
	}
	if q.Get("response_type") != "code" {
		return req, "response_type must be code"
	}
	if req.clientID != s.opts.ClientID {
		return req, "unknown client_id"
	}
	if u, err := url.Parse(req.redirectURI); err != nil || u.Host == "" ||
		(u.Scheme != "http" && u.Scheme != "https") || u.Fragment != "" {
		return req, "redirect_uri must be an absolute http(s) URL without a fragment"
	}
	if req.state == "" {
		return req, "state is missing"
	}
	for _, t := range req.authTypes {
		if !slices.Contains(knownAuthTypes, t) {
			return req, "auth_type must list some of " + strings.Join(knownAuthTypes, ",")
		}
	}
	return req, ""
}

// callback is redirect_uri with params and state added to its query.
func (a authRequest) callback(params url.Values) string {
	u, _ := url.Parse(a.redirectURI) // checked
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	q.Set("state", a.state)
	u.RawQuery = q.Encode()
	return u.String()
}

// authTypeOf is how person i signs in: their own AuthType if the client
// allows it, else the first method it allows.
func (s *Server) authTypeOf(i int, allowed []string) string {
	if t := s.opts.People[i].AuthType; slices.Contains(allowed, t) {
		return t
	}
	return allowed[0]
}

var page = template.Must(template.New("authorize").Parse(`<!doctype html>
<html lang="uk"><head><meta charset="utf-8"><title>id.gov.ua (тестовий)</title></head>
<body><main>
<h1>Тестовий id.gov.ua</h1>
<p>Оберіть, хто входить.</p>
<form method="post" action="/">
{{range $k, $vs := .Form}}{{range $vs}}<input type="hidden" name="{{$k}}" value="{{.}}">
{{end}}{{end}}<ul>
{{range $i, $p := .People}}<li><button type="submit" name="person" value="{{$i}}" data-person="{{$i}}">{{$p.FullName}}{{if $p.EDRPOU}} — представник ЄДРПОУ {{$p.EDRPOU}}{{end}}</button></li>
{{end}}</ul>
<button type="submit" name="deny" value="1">Відмовитися</button>
</form>
</main></body></html>
`))

func (s *Server) renderPage(w http.ResponseWriter, q url.Values) {
	form := url.Values{}
	for _, k := range []string{"response_type", "client_id", "auth_type", "state", "redirect_uri"} {
		form.Set(k, q.Get(k))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = page.Execute(w, map[string]any{"Form": form, "People": s.opts.People})
}
