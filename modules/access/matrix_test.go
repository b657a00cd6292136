package access_test

import (
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"hromada/modules/access"
)

// perms is what a role may do: object → actions.
type perms map[string][]string

// wantDefaults is the default policy, written out independently of
// policies/default.csv: the matrix test holds the two together.
var wantDefaults = map[string]perms{
	access.RoleResident: {
		access.ObjOwnProfile:       {access.ActRead, access.ActUpdate},
		access.ObjOwnApplications:  {access.ActRead, access.ActCreate, access.ActUpdate, access.ActDelete},
		access.ObjOwnAppeals:       {access.ActRead, access.ActCreate, access.ActUpdate},
		access.ObjOwnDocuments:     {access.ActRead, access.ActCreate, access.ActDelete},
		access.ObjOwnFeedback:      {access.ActRead, access.ActCreate},
		access.ObjOwnBookings:      {access.ActRead, access.ActCreate, access.ActUpdate},
		access.ObjOwnParticipation: {access.ActRead, access.ActCreate},
	},
	// provider-scoped: only at the provider the role is held at
	access.RoleOfficial: {
		access.ObjApplications:     {access.ActRead, access.ActProcess},
		access.ObjAppeals:          {access.ActRead, access.ActProcess},
		access.ObjServices:         {access.ActRead},
		access.ObjServiceRevisions: {access.ActRead, access.ActCreate, access.ActUpdate},
		access.ObjCentreQueue:      {access.ActRead, access.ActProcess},
		access.ObjPaperVotes:       {access.ActCreate},
		access.ObjProviders:        {access.ActRead, access.ActUpdate},
		access.ObjCentreMaterials:  {access.ActRead},
	},
	access.RoleProviderHead: {
		access.ObjApplications:     {access.ActRead, access.ActAssign},
		access.ObjAppeals:          {access.ActRead},
		access.ObjServices:         {access.ActRead},
		access.ObjServiceRevisions: {access.ActRead, access.ActCreate}, // proposes; never publishes (seed 003 §7.3, §7.5)
		access.ObjProviders:        {access.ActRead, access.ActUpdate},
		access.ObjOfficials:        {access.ActRead},
		access.ObjAccessRequests:   {access.ActRead, access.ActCreate},
		access.ObjReports:          {access.ActRead},
		access.ObjCentreQueue:      {access.ActRead, access.ActProcess, access.ActUpdate},
		access.ObjPolls:            {access.ActRead, access.ActCreate, access.ActUpdate},
		access.ObjCentreContent:    {access.ActCreate, access.ActUpdate},
		access.ObjCentreMaterials:  {access.ActRead, access.ActCreate},
		// opening a cabinet document without consent, by law (modules/mydocs)
		access.ObjApplications + "/cabinet_by_law": {access.ActRead},
	},
	access.RoleAdministrator: {
		access.ObjOfficials:         {access.ActRead, access.ActGrant, access.ActBlock, access.ActDelete},
		access.ObjAccessRequests:    {access.ActRead, access.ActApprove},
		access.ObjPolicies:          {access.ActRead, access.ActUpdate},
		access.ObjServices:          {access.ActRead, access.ActCreate}, // the register's import
		access.ObjServiceRevisions:  {access.ActRead, access.ActApprove},
		access.ObjProviders:         {access.ActRead, access.ActCreate, access.ActUpdate},
		access.ObjIdentityProviders: {access.ActRead, access.ActCreate, access.ActUpdate, access.ActDelete},
		access.ObjTenantSettings:    {access.ActRead},
		access.ObjSecurityEvents:    {access.ActRead},
		access.ObjFeedback:          {access.ActRead, access.ActUpdate},
		access.ObjCityData:          {access.ActExport}, // the city's data taken out whole (modules/lifecycle)
		access.ObjReports:           {access.ActRead},   // the monitoring dashboard (modules/monitoring)
		access.ObjPayments:          {access.ActExport},
		access.ObjPaymentSettings:   {access.ActRead, access.ActUpdate},
	},
	access.RoleDispatcher: {
		access.ObjTenantSettings:    {access.ActRead, access.ActUpdate},
		access.ObjProviders:         {access.ActRead, access.ActCreate, access.ActUpdate},
		access.ObjServices:          {access.ActRead},
		access.ObjServiceRevisions:  {access.ActRead},
		access.ObjIdentityProviders: {access.ActRead},
		access.ObjReports:           {access.ActRead, access.ActExport},
		access.ObjContent:           {access.ActRead, access.ActCreate, access.ActUpdate},
		access.ObjFeedback:          {access.ActRead},
		access.ObjAppeals:           {access.ActRead, access.ActAssign},
		access.ObjPetitions:         {access.ActRead, access.ActApprove},
		access.ObjPolls:             {access.ActRead, access.ActCreate, access.ActUpdate},
		access.ObjBulkNotices:       {access.ActRead, access.ActCreate},
		access.ObjPayments:          {access.ActExport},
		access.ObjCentreContent:     {access.ActCreate, access.ActUpdate},
		access.ObjCentreMaterials:   {access.ActRead, access.ActCreate},
	},
	access.RoleOwner: {
		access.ObjReports:        {access.ActRead, access.ActExport},
		access.ObjServices:       {access.ActRead},
		access.ObjProviders:      {access.ActRead},
		access.ObjTenantSettings: {access.ActRead},
		access.ObjPetitions:      {access.ActRead, access.ActProcess},
	},
	access.RoleAuditor: {
		access.ObjAudit:          {access.ActRead, access.ActExport},
		access.ObjSecurityEvents: {access.ActRead, access.ActExport},
		access.ObjPolicies:       {access.ActRead},
		access.ObjOfficials:      {access.ActRead},
		access.ObjReports:        {access.ActRead},
	},
}

func (p perms) has(obj, act string) bool { return slices.Contains(p[obj], act) }

// TestDefaultMatrix asks, for every role, every object, action and scope
// (tenant-wide, the role's own provider, another provider), and compares
// with wantDefaults. Every account is also a resident.
func TestDefaultMatrix(t *testing.T) {
	t.Parallel()
	b := setup(t)
	type subject struct {
		role     string
		id       uuid.UUID
		provider uuid.UUID // uuid.Nil: tenant-wide
	}
	subjects := []subject{{role: access.RoleResident, id: b.account(t)}, {role: access.RoleAdministrator, id: b.admin}}
	for _, role := range []string{access.RoleOfficial, access.RoleProviderHead} {
		subjects = append(subjects, subject{role: role, id: b.staff(t, role, &b.provA), provider: b.provA})
	}
	for _, role := range []string{access.RoleDispatcher, access.RoleOwner, access.RoleAuditor} {
		subjects = append(subjects, subject{role: role, id: b.staff(t, role, nil)})
	}
	scopes := map[string]string{"tenant-wide": "", "own provider": b.provA.String(), "other provider": b.provB.String()}
	require.Len(t, subjects, len(access.Roles), "every role is in the matrix")

	for _, s := range subjects {
		t.Run(s.role, func(t *testing.T) {
			t.Parallel()
			granted := 0
			for _, obj := range access.Objects {
				for _, act := range access.Actions {
					for scopeName, scope := range scopes {
						want := wantDefaults[access.RoleResident].has(obj, act)
						if s.role != access.RoleResident && wantDefaults[s.role].has(obj, act) {
							if s.provider == uuid.Nil || scope == s.provider.String() {
								want = true
							}
						}
						got := b.allowed(t, b.svc, s.id, obj, act, scope)
						require.Equalf(t, want, got, "%s %s %s (%s)", s.role, act, obj, scopeName)
						if got {
							granted++
						}
					}
				}
			}
			require.Positive(t, granted)
		})
	}

	t.Run("NoAccount", func(t *testing.T) {
		t.Parallel()
		for _, obj := range access.Objects {
			require.False(t, b.allowed(t, b.svc, uuid.Nil, obj, access.ActRead, ""))
			require.False(t, b.allowed(t, b.svc, uuid.New(), obj, access.ActRead, ""), "an unknown account is no resident")
		}
	})

	t.Run("SubObjects", func(t *testing.T) {
		t.Parallel()
		official := subjects[2]
		require.Equal(t, access.RoleOfficial, official.role)
		// "applications" does not cover "applications/attachments"; a line
		// for "applications/*" would.
		require.False(t, b.allowed(t, b.svc, official.id, "applications/attachments", access.ActRead, b.provA.String()))
	})

	t.Run("UnknownVocabularyIsAnError", func(t *testing.T) {
		t.Parallel()
		_, err := b.svc.Allowed(b.ctx, access.Subject{AccountID: b.admin}, "aplications", access.ActRead, "")
		require.Error(t, err)
		_, err = b.svc.Allowed(b.ctx, access.Subject{AccountID: b.admin}, access.ObjApplications, "approve_all", "")
		require.Error(t, err)
	})
}

// The defaults file and the matrix agree line for line (the pinned deny
// line aside), so neither can drift alone.
func TestDefaultsMatchMatrix(t *testing.T) {
	t.Parallel()
	rules, err := access.DefaultRules()
	require.NoError(t, err)
	got := map[string]perms{}
	for _, r := range rules {
		if r.Effect == access.EffectDeny {
			require.Contains(t, access.Pinned(), r, "deny lines of the defaults are the pinned ones")
			continue
		}
		if got[r.Role] == nil {
			got[r.Role] = perms{}
		}
		got[r.Role][r.Object] = append(got[r.Role][r.Object], r.Action)
	}
	for role, p := range wantDefaults {
		for obj, acts := range p {
			require.ElementsMatchf(t, acts, got[role][obj], "%s on %s", role, obj)
		}
		require.Lenf(t, got[role], len(p), "objects of %s", role)
	}
	require.Len(t, got, len(wantDefaults))
	for _, pin := range access.Pinned() {
		require.Contains(t, rules, pin)
	}
}
