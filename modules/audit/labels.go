package audit

import "slices"

// Actions are the actions the code records, each shown to the auditor in
// words by the locale key "audit.action." + action (web/locales, uk and
// en). A new recording site adds its action here and its words there;
// TestEveryRecordedActionHasALabel finds the recording sites in the source
// and fails on an action missing from this list.
var Actions = []string{
	// access's journal: grants, the policy, access requests (journal.go)
	"access.grant", "access.bootstrap", "access.block", "access.unblock", "access.revoke", "access.dismissal",
	"access.policy.update",
	"access.request.file", "access.request.granted", "access.request.rejected",
	// applications: a resident's, an official's and the automatic mode's
	"application.submit", "application.withdraw", "application.answer",
	"application.view", "application.take", "application.clarify", "application.approve", "application.refuse",
	"application.issue",
	// applications: a term's pause, resumption and extension; a reassignment (deadlines.go, reassign.go)
	"application.term.pause", "application.term.resume", "application.term.extend", "application.reassign",
	// catalog: proposals and decisions on a service's information
	"catalog.revision.propose", "catalog.revision.publish", "catalog.revision.return",
	// catalog: a register imported (import.go)
	"catalog.import",
	// catalog: proposals and decisions on a provider, a centre or a life situation (changes.go)
	"catalog.change.propose", "catalog.change.publish", "catalog.change.return",
	// audit: an administrator lifts a lockout (lockout.go)
	"security.lockout.unlock",
	// audit: an administrator changes the city's lockout policy (lockoutpolicy.go)
	"security.lockout.policy",
	// notify: the dispatcher's announcement to the residents who opted in (bulk.go)
	"notify.bulk.send", "notify.sender.update", "notify.sender.rotate", "notify.rate_limits.update",
	// content: the city's news and pages, answers to remarks about the portal
	"content.publish", "content.draft", "content.retire", "content.feedback.answer",
	// content: an image uploaded for the news (images.go); mydocs: a cabinet document opened without consent, by law (law.go)
	"content.image", "mydocs.open_by_law",
	// branding: the dispatcher's editor (modules/branding/editor.go)
	"tenant.branding.update", "tenant.branding.image", "tenant.branding.image_removed",
	// identity: sign-ins and identity providers' settings
	"identity.signin", "identity.provider.save",
	// identity: a person ends their other browser sessions (mysessions.go)
	"identity.session.end", "identity.session.end_others",
	// cityapi: a person takes a device's access away in the cabinet
	"cityapi.device.revoke",
	// appeals: a resident's filing, reply and rating; an official's work (modules/appeals)
	"appeal.file", "appeal.reply", "appeal.rate",
	"appeal.take", "appeal.ask", "appeal.extend", "appeal.forward", "appeal.answer",
	// participation: petitions' moderation and answers, polls (modules/participation)
	"participation.petition.publish", "participation.petition.refuse", "participation.petition.answer",
	"participation.poll.create", "participation.poll.publish", "participation.poll.close",
	// payments: the accounting export, the city's gateway settings (modules/payments)
	"payments.export", "payments.settings.save", "payments.proof.accept", "payments.proof.reject",
	// centres: a centre's vacancies and events, the staff's materials (modules/centres)
	"centre.vacancy.publish", "centre.vacancy.close", "centre.event.publish", "centre.event.cancel", "centre.material.publish",
	"centre.setup.update",
	// provsys: a provider's (or service's) delivery route to its own system (modules/provsys/routes.go)
	"provsys.route.save", "provsys.route.remove", "provsys.route.secret",
	// a denied request: a security event the denied filter shows (Search)
	ActionDenied,
}

// ActionDenied is the action of a refused request as the audit log's
// denied filter shows it; the request itself is a security event of kind
// KindAccessDenied, not a row of the chain.
const ActionDenied = "access.denied"

// ActionKey is the locale key of action's words, "" for an action not in
// Actions (an old row: the page shows its code).
func ActionKey(action string) string {
	if slices.Contains(Actions, action) {
		return "audit.action." + action
	}
	return ""
}
