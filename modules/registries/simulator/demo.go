package simulator

import (
	"strings"
	"time"

	"hromada/demo"
	"hromada/modules/registries"
)

// The exchange the demo lives on, and the demo city's client subsystem
// (the demo folder's registries/exchange.json). Member codes are made up
// (8 digits with a valid ЄДРПОУ check digit); the instance is the name of
// Trembita's test environment.
var (
	Instance          = demo.MustRegistries().Exchange.Instance
	ClientMemberClass = demo.MustRegistries().Exchange.Client.MemberClass
	ClientMemberCode  = demo.MustRegistries().Exchange.Client.MemberCode
	ClientSubsystem   = demo.MustRegistries().Exchange.Client.Subsystem
)

// demoRegistry is a registry service the simulator serves: its identifier
// on the exchange, the operation path, and the dialect a demo city reaches
// it in (the simulator answers it in either).
type demoRegistry struct {
	code                                                           string
	dialect                                                        registries.Dialect
	memberClass, memberCode, subsystem, serviceCode, version, path string
}

// id is the service's identifier: with the version as Uxp-Service names
// it, without as the X-Road REST path does.
func (r demoRegistry) id(withVersion bool) string {
	parts := []string{Instance, r.memberClass, r.memberCode, r.subsystem, r.serviceCode}
	if withVersion {
		parts = append(parts, r.version)
	}
	return strings.Join(parts, "/")
}

// demoRegistries are the registries of registries/exchange.json (residents
// and benefits over UXP, vehicles and land over X-Road, so a demo city
// exercises both dialects).
var demoRegistries = registriesOf(demo.MustRegistries().Exchange.Registries)

func registriesOf(rs []demo.Registry) []demoRegistry {
	out := make([]demoRegistry, 0, len(rs))
	for _, r := range rs {
		out = append(out, demoRegistry{code: r.Code, dialect: r.Dialect, memberClass: r.MemberClass, memberCode: r.MemberCode,
			subsystem: r.Subsystem, serviceCode: r.ServiceCode, version: r.Version, path: r.Path})
	}
	return out
}

// DemoServices are the registry_services rows a demo city gets, reaching
// the simulator at baseURL (its security server's URL: the portal's origin
// and Prefix in development, a test server's URL in tests).
func DemoServices(baseURL string) []registries.Service {
	out := make([]registries.Service, 0, len(demoRegistries))
	for _, r := range demoRegistries {
		svc := registries.Service{
			Code: r.code, Dialect: r.dialect, BaseURL: baseURL,
			Instance: Instance, MemberClass: r.memberClass, MemberCode: r.memberCode, Subsystem: r.subsystem,
			ServiceCode:    r.serviceCode,
			ClientInstance: Instance, ClientMemberClass: ClientMemberClass, ClientMemberCode: ClientMemberCode,
			ClientSubsystem: ClientSubsystem,
			Timeout:         5 * time.Second,
		}
		if r.dialect == registries.UXP {
			svc.Version = r.version
		}
		out = append(out, svc)
	}
	return out
}
