package applications

// What a person reads of a status. The state machine ends every decided
// application in Issued, whatever the decision; a resident, an official
// and the figures must still tell a service provided from a refusal. So an
// issued application shows its outcome — Granted («Надано») or Denied
// («Відмовлено») — everywhere a status is shown or counted. These are not
// states: nothing stores them and CanMove never sees them; they are read
// from (status, decision).
const (
	Granted Status = "granted" // issued, the service provided
	Denied  Status = "denied"  // issued, a refusal
)

// ShownStatuses are the statuses as pages list them (the officials'
// filter), in the order of an application's life: Issued is split into
// its two outcomes.
var ShownStatuses = []Status{Signed, Received, InReview, Clarification, Resubmitted, Approved, Refused, Granted, Denied, Withdrawn}

// Shown is the application's status as a person reads it.
func (a *Application) Shown() Status { return a.ShownFor(a.Status) }

// ShownFor is how a move of this application to status to reads: a move
// to Issued shows the application's decision.
func (a *Application) ShownFor(to Status) Status {
	if to != Issued {
		return to
	}
	switch Status(a.Decision) {
	case Approved:
		return Granted
	case Refused:
		return Denied
	}
	return Issued
}

// shownSQL is Shown in SQL, over the applications row a: what the queue
// counts and filters by.
const shownSQL = `CASE WHEN a.status = 'issued' AND a.decision = 'approved' THEN 'granted'
	WHEN a.status = 'issued' AND a.decision = 'refused' THEN 'denied' ELSE a.status END`
