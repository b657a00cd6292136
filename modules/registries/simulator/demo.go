package simulator

import (
	"strings"
	"time"

	"hromada/modules/registries"
)

// The exchange the demo lives on, and the demo city's client subsystem.
// Member codes are made up (8 digits with a valid ЄДРПОУ check digit);
// SEVDEIR-TEST is the instance name of Trembita's test environment.
const (
	Instance          = "SEVDEIR-TEST"
	ClientMemberClass = "GOV"
	ClientMemberCode  = "43611027"
	ClientSubsystem   = "HROMADA"
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

// demoRegistries: residents and benefits over UXP, vehicles and land over
// X-Road, so a demo city exercises both dialects.
var demoRegistries = []demoRegistry{
	{code: registries.CodeResidents, dialect: registries.UXP, memberClass: "GOV", memberCode: "37261172",
		subsystem: "RESIDENCE", serviceCode: "ResidenceByRNOKPP", version: "v1", path: registries.PathResidence},
	{code: registries.CodeBenefits, dialect: registries.UXP, memberClass: "GOV", memberCode: "21332930",
		subsystem: "EISSS", serviceCode: "BenefitsByRNOKPP", version: "v1", path: registries.PathBenefits},
	{code: registries.CodeVehicles, dialect: registries.XRoad, memberClass: "GOV", memberCode: "00171026",
		subsystem: "VEHICLES", serviceCode: "VehiclesByOwner", version: "v1", path: registries.PathVehicles},
	{code: registries.CodeLand, dialect: registries.XRoad, memberClass: "GOV", memberCode: "39253823",
		subsystem: "DZK", serviceCode: "LandPlots", version: "v1", path: registries.PathPlots},
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
