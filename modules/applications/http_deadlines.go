package applications

import (
	"net/http"

	"github.com/google/uuid"

	"hromada/modules/access"
	"hromada/modules/terms"
)

// An application's term on the official's page: its changes, the
// extension (applications:process) and, for a provider head, the
// reassignment (applications:assign), each offered only where the route
// it posts to allows the person.

// workData is an application's page for staff: viewData and its term.
type workData struct {
	viewData
	Terms       []TermChange
	CanProcess  bool // take, clarify, decide, issue (a provider head may not)
	CanExtend   bool
	CanReassign bool
	Colleagues  []Colleague // whom it may be handed to
	Assignee    string      // who handles it, by name; "" for nobody yet
}

// termOf fills the term's part of the page from what Open read: the
// actions the person may take on it, decided in one read on the routes
// they post to.
func (h *HTTP) termOf(r *http.Request, d *workData, o *Opened) error {
	id := d.App.ID.String()
	take := access.Post("/work/applications/"+id+"/take", nil)
	extend, reassign := access.Post("/work/applications/"+id+"/extend", nil), access.Post("/work/applications/"+id+"/reassign", nil)
	can, err := access.Allows(r, take, extend, reassign)
	if err != nil {
		return err
	}
	open := !d.App.Status.Final() && d.App.Status != Approved && d.App.Status != Refused
	d.CanProcess = can.HasLink(take)
	d.CanExtend = open && d.App.DueOn != nil && can.HasLink(extend)
	d.CanReassign = open && can.HasLink(reassign)
	d.Terms, d.Colleagues = o.Terms, o.Colleagues
	for _, c := range d.Colleagues {
		if d.App.AssigneeID != nil && c.AccountID == *d.App.AssigneeID {
			d.Assignee = c.FullName
		}
	}
	return nil
}

func (h *HTTP) handleExtend(w http.ResponseWriter, r *http.Request) {
	h.workAction(w, r, func(st Staff, id uuid.UUID) error {
		to, err := terms.ParseDate(r.FormValue("due_on"))
		if err != nil {
			return ErrTermDate
		}
		return h.Svc.Extend(r.Context(), st, id, to, r.FormValue("reason"))
	})
}

func (h *HTTP) handleReassign(w http.ResponseWriter, r *http.Request) {
	h.workAction(w, r, func(st Staff, id uuid.UUID) error {
		to, err := uuid.Parse(r.FormValue("official"))
		if err != nil {
			return ErrNotOfficial
		}
		return h.Svc.Reassign(r.Context(), st, id, to)
	})
}
