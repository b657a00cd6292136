// Package docs holds the project's documentation; the parts the portal
// serves are embedded here: opendata.md is the README of the open-data
// bundle (/opendata/register.zip).
package docs

import _ "embed"

// OpenData is docs/opendata.md: the open data's addresses and fields.
//
//go:embed opendata.md
var OpenData []byte
