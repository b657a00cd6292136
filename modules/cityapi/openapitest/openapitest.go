// Package openapitest checks the API's answers against its contract
// (cityapi.Spec) in the tests: a client whose transport is Transport fails
// its test on any /api/v1 request or response the document does not allow,
// so that a change that breaks the contract breaks the build.
package openapitest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/errors"

	"hromada/modules/cityapi"
)

// TB is the part of testing.TB a check reports to.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// Checked reports whether a path is under the contract.
func Checked(path string) bool {
	return strings.HasPrefix(path, "/api/v1/") || path == "/oauth/token" || path == "/oauth/revoke"
}

var (
	// The document is compiled once for all the tests of a binary; the
	// validator's caches are not documented as safe for concurrent use,
	// so checks take turns.
	once    sync.Once
	mu      sync.Mutex
	checker validator.Validator
	initErr error
)

func load() (validator.Validator, error) {
	once.Do(func() {
		doc, err := libopenapi.NewDocument(cityapi.Spec)
		if err != nil {
			initErr = fmt.Errorf("openapitest: parsing the document: %w", err)
			return
		}
		v, errs := validator.NewValidator(doc, config.WithFormatAssertions())
		if len(errs) > 0 {
			initErr = fmt.Errorf("openapitest: building the validator: %v", errs)
			return
		}
		if ok, verrs := v.ValidateDocument(); !ok {
			initErr = fmt.Errorf("openapitest: the document is not valid OpenAPI: %s", describe(verrs))
			return
		}
		checker = v
	})
	return checker, initErr
}

// Check validates one exchange: req as sent (its body in reqBody) and res
// with its body in resBody. It returns what breaks the contract, nil if
// nothing does.
func Check(req *http.Request, reqBody []byte, res *http.Response, resBody []byte) error {
	v, err := load()
	if err != nil {
		return err
	}
	rq := req.Clone(req.Context())
	rq.Body = io.NopCloser(bytes.NewReader(reqBody))
	rs := *res
	rs.Body = io.NopCloser(bytes.NewReader(resBody))
	mu.Lock()
	defer mu.Unlock()
	if ok, errs := v.ValidateHttpRequestResponse(rq, &rs); !ok {
		return fmt.Errorf("%s %s → %d breaks the OpenAPI document: %s", req.Method, req.URL.RequestURI(), res.StatusCode, describe(errs))
	}
	return nil
}

// Transport is base with every /api/v1 exchange checked against the
// document; a breach fails t (the response still reaches the test).
func Transport(t TB, base http.RoundTripper) http.RoundTripper {
	return roundTripper{t: t, base: base}
}

type roundTripper struct {
	t    TB
	base http.RoundTripper
}

func (rt roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if !Checked(req.URL.Path) {
		return rt.base.RoundTrip(req)
	}
	var reqBody []byte
	if req.Body != nil {
		var err error
		if reqBody, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		_ = req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	res, err := rt.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resBody, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(resBody))
	if err := Check(req, reqBody, res, resBody); err != nil {
		rt.t.Helper()
		rt.t.Errorf("%v", err)
	}
	return res, nil
}

func describe(errs []*errors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n  %s: %s", e.Message, e.Reason)
		for _, s := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n    at %s: %s", s.FieldPath, s.Reason)
		}
	}
	return b.String()
}
