package simulator

import (
	"net/http"
	"strings"
	"time"

	"hromada/modules/registries"
)

// maxMessage bounds what the simulated security server reads of one
// request: a member service's message carries a signed application.
const maxMessage = 8 << 20

// MemberService is a service of another member of the exchange that the
// simulated security server carries queries to, played by Handler: a
// provider's own information system that takes applications over
// Trembita (modules/provsys, issue 26). The security server checks the
// identification headers as it does for the demo registries, then hands
// Handler the request as it came (headers, body).
type MemberService struct {
	// Code is our name of the service (a registry_services code).
	Code string
	// The service's identifier on the exchange, under Instance.
	MemberClass, MemberCode, Subsystem, ServiceCode, Version string
	// Path is the operation under the service, e.g. "messages".
	Path    string
	Handler http.Handler
}

func (m MemberService) id(withVersion bool) string {
	parts := []string{Instance, m.MemberClass, m.MemberCode, m.Subsystem, m.ServiceCode}
	if withVersion {
		parts = append(parts, m.Version)
	}
	return strings.Join(parts, "/")
}

// AddMember makes the security server carry queries to m. Call it before
// the simulator serves, or while no query is under way.
func (s *Simulator) AddMember(m MemberService) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members = append(s.members, m)
}

func (s *Simulator) member(id string, withVersion bool) *MemberService {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.members {
		if s.members[i].id(withVersion) == id {
			m := s.members[i]
			return &m
		}
	}
	return nil
}

// Service is the registry_services row by which the demo city's client
// subsystem reaches m through the security server at baseURL, in dialect
// d.
func (m MemberService) Service(baseURL string, d registries.Dialect) registries.Service {
	svc := registries.Service{
		Code: m.Code, Dialect: d, BaseURL: baseURL,
		Instance: Instance, MemberClass: m.MemberClass, MemberCode: m.MemberCode, Subsystem: m.Subsystem, ServiceCode: m.ServiceCode,
		ClientInstance: Instance, ClientMemberClass: ClientMemberClass, ClientMemberCode: ClientMemberCode, ClientSubsystem: ClientSubsystem,
		Timeout: 10 * time.Second,
	}
	if d == registries.UXP {
		svc.Version = m.Version
	}
	return svc
}
