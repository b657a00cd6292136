// Package policies holds Hromada's Casbin access model and the default role
// policies, embedded in the binary; modules/access loads them. KSZI.md maps
// them (and the code and tests behind them) to the functional security
// profile under НД ТЗІ 2.5-004-99.
package policies

import _ "embed" // go:embed

// Model is the Casbin model (model.conf): RBAC with the tenant as the domain
// and a provider scope on each request and policy line. Its matcher calls
// two functions, holds and objectMatch, that modules/access registers.
//
//go:embed model.conf
var Model string

// Defaults are the default policy lines (default.csv) in Casbin's CSV form,
// "p, role, {tenant}, object, action, scope, effect", with "{tenant}" where
// each tenant's id goes. Lines starting with # are comments.
//
//go:embed default.csv
var Defaults string
