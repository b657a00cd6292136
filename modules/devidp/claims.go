package devidp

import (
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/text/language"
)

// supportedScopes are the scopes the provider honours; others are dropped.
var supportedScopes = []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopePhone}

// Custom claims, named as id.gov.ua names them, so the portal reads one set
// of names whichever provider signed a person in.
const (
	claimRNOKPP   = "drfocode"   // РНОКПП
	claimEDRPOU   = "edrpoucode" // ЄДРПОУ, for a legal entity's representative
	claimOrgName  = "org_name"
	claimAuthType = "auth_type" // how the person was identified; "dev" here
)

// supportedClaims are announced in the discovery document.
var supportedClaims = []string{
	"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "azp", "at_hash", "c_hash",
	"name", "family_name", "given_name", "middle_name", "locale",
	"email", "email_verified", "phone_number",
	claimRNOKPP, claimEDRPOU, claimOrgName, claimAuthType,
}

// setUserinfo fills info with p's claims for scopes, for both the ID token
// and userinfo. The identity claims (РНОКПП, ЄДРПОУ, organisation) come with
// openid itself: they are who the person is, which is what the portal signs
// in for. There are no roles: Hromada assigns them, not the provider.
func setUserinfo(info *oidc.UserInfo, p *Persona, scopes []string) {
	info.Subject = p.ID
	for _, scope := range scopes {
		switch scope {
		case oidc.ScopeOpenID:
			info.AppendClaims(claimRNOKPP, p.RNOKPP)
			if p.EDRPOU != "" {
				info.AppendClaims(claimEDRPOU, p.EDRPOU)
			}
			if p.OrgName != "" {
				info.AppendClaims(claimOrgName, p.OrgName)
			}
			info.AppendClaims(claimAuthType, "dev")
		case oidc.ScopeProfile:
			info.Name = p.FullName()
			info.FamilyName, info.GivenName, info.MiddleName = p.FamilyName, p.GivenName, p.MiddleName
			info.Locale = oidc.NewLocale(language.Ukrainian)
		case oidc.ScopeEmail:
			info.Email, info.EmailVerified = p.Email, true
		case oidc.ScopePhone:
			info.PhoneNumber = p.Phone
		}
	}
}
