package access

// sensitive are the permissions whose use needs a fresh sign-in (ASVS
// V3.7.1): who may do what in the city (appointing, blocking, revoking
// staff, approving access requests, unlocking a lockout), the city's
// policy and security rules, how people sign in, taking the audit log or
// the payers (the accounting export) out in bulk, and where the city's
// fees are paid (its gateway's keys). A session left open on a desk must not do these.
var sensitive = map[string]bool{
	ObjOfficials + ":" + ActGrant:          true,
	ObjOfficials + ":" + ActBlock:          true,
	ObjOfficials + ":" + ActDelete:         true,
	ObjAccessRequests + ":" + ActApprove:   true,
	ObjPolicies + ":" + ActUpdate:          true,
	ObjIdentityProviders + ":" + ActUpdate: true,
	ObjIdentityProviders + ":" + ActCreate: true,
	ObjIdentityProviders + ":" + ActDelete: true,
	ObjAudit + ":" + ActExport:             true,
	ObjSecurityEvents + ":" + ActExport:    true,
	// the payers' personal data in bulk, and where the city's money goes
	ObjPayments + ":" + ActExport:        true,
	ObjPaymentSettings + ":" + ActUpdate: true,
}

// Sensitive says whether a route needing p needs a fresh sign-in too
// (Guard.Fresh).
func Sensitive(p Perm) bool { return sensitive[p.String()] }
