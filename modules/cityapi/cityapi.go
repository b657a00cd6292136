// Package cityapi is the city-app API (issue 22, seed 003 §5.9): the
// contract of /api/v1 as an OpenAPI 3.1 document, served and checked in
// the tests (openapitest), and its errors as RFC 9457 problem details.
//
// The public register's endpoints are catalog's (modules/catalog/http.go);
// this module holds the document they answer to, so that the contract of
// the whole /api/v1 is one file (openapi.json, read in docs/api.md).
package cityapi

import _ "embed"

// Spec is the OpenAPI 3.1 document of /api/v1, as served at
// /api/v1/openapi.json.
//
//go:embed openapi.json
var Spec []byte
