package applications_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	a "hromada/modules/applications"
)

type move struct {
	from, to a.Status
	who      a.ActorKind
}

// legalMoves are the moves of the specification (seed 003 §5), and only
// those.
var legalMoves = map[move]bool{
	{a.Draft, a.Signed, a.Applicant}:              true,
	{a.Signed, a.Received, a.System}:              true,
	{a.Received, a.InReview, a.Official}:          true,
	{a.Received, a.InReview, a.System}:            true,
	{a.InReview, a.Clarification, a.Official}:     true,
	{a.InReview, a.Approved, a.Official}:          true,
	{a.InReview, a.Approved, a.System}:            true,
	{a.InReview, a.Refused, a.Official}:           true,
	{a.InReview, a.Refused, a.System}:             true,
	{a.Clarification, a.Resubmitted, a.Applicant}: true,
	{a.Resubmitted, a.InReview, a.Official}:       true,
	{a.Approved, a.Issued, a.Official}:            true,
	{a.Approved, a.Issued, a.System}:              true,
	{a.Refused, a.Issued, a.Official}:             true,
	{a.Refused, a.Issued, a.System}:               true,
	{a.Received, a.Withdrawn, a.Applicant}:        true,
	{a.InReview, a.Withdrawn, a.Applicant}:        true,
	{a.Clarification, a.Withdrawn, a.Applicant}:   true,
	{a.Resubmitted, a.Withdrawn, a.Applicant}:     true,
	// A provider's own system moves as its officials do (seed 003 §5.4).
	{a.Received, a.InReview, a.ProviderSystem}:      true,
	{a.InReview, a.Clarification, a.ProviderSystem}: true,
	{a.InReview, a.Approved, a.ProviderSystem}:      true,
	{a.InReview, a.Refused, a.ProviderSystem}:       true,
	{a.Resubmitted, a.InReview, a.ProviderSystem}:   true,
	{a.Approved, a.Issued, a.ProviderSystem}:        true,
	{a.Refused, a.Issued, a.ProviderSystem}:         true,
}

// specDeviations are moves the specification does not list that an
// earlier CanMove allowed; TestCanMoveOnlySpecifiedMoves keeps them out.
var specDeviations = map[move]bool{
	{a.InReview, a.Received, a.System}: true,
}

// TestCanMove checks every (from, to, who) against the specification (the
// former deviations are checked by TestCanMoveOnlySpecifiedMoves).
func TestCanMove(t *testing.T) {
	t.Parallel()
	actors := []a.ActorKind{a.Applicant, a.Official, a.System, a.ProviderSystem}
	n := 0
	for _, from := range a.Statuses {
		for _, to := range a.Statuses {
			for _, who := range actors {
				m := move{from, to, who}
				if specDeviations[m] {
					continue
				}
				n++
				require.Equal(t, legalMoves[m], a.CanMove(from, to, who), "%s → %s by %s", from, to, who)
			}
		}
	}
	require.Equal(t, len(a.Statuses)*len(a.Statuses)*len(actors)-len(specDeviations), n)

	// Some refusals by name, for the reader.
	for _, m := range []move{
		{a.Issued, a.InReview, a.Official}, {a.Issued, a.Withdrawn, a.Applicant}, {a.Approved, a.Withdrawn, a.Applicant},
		{a.Refused, a.Withdrawn, a.Applicant}, {a.Draft, a.Received, a.System}, {a.Draft, a.Received, a.Applicant},
		{a.Received, a.Withdrawn, a.Official}, {a.InReview, a.Withdrawn, a.Official}, {a.Withdrawn, a.Received, a.Applicant},
		{a.Clarification, a.InReview, a.Official}, {a.Received, a.Approved, a.Official}, {a.Resubmitted, a.Approved, a.Official},
		{a.InReview, a.Clarification, a.System}, {a.Signed, a.Received, a.Applicant}, {a.Draft, a.Signed, a.Official},
	} {
		require.False(t, a.CanMove(m.from, m.to, m.who), "%s → %s by %s", m.from, m.to, m.who)
	}
	require.False(t, a.CanMove("nonsense", a.Issued, a.Official))
}

// TestCanMoveOnlySpecifiedMoves: the system once could move in_review back
// to received, a move the specification does not have.
func TestCanMoveOnlySpecifiedMoves(t *testing.T) {
	t.Parallel()
	for m := range specDeviations {
		require.False(t, a.CanMove(m.from, m.to, m.who), "%s → %s by %s is not in the specification", m.from, m.to, m.who)
	}
}

func TestStatusOpenFinal(t *testing.T) {
	t.Parallel()
	open := map[a.Status]bool{a.Received: true, a.InReview: true, a.Clarification: true, a.Resubmitted: true}
	final := map[a.Status]bool{a.Issued: true, a.Withdrawn: true}
	for _, s := range a.Statuses {
		t.Run(fmt.Sprint(s), func(t *testing.T) {
			require.Equal(t, open[s], s.Open())
			require.Equal(t, final[s], s.Final())
		})
	}
}
