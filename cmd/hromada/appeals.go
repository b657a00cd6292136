package main

import (
	"time"

	"github.com/riverqueue/river"

	"hromada/modules/appeals"
	"hromada/web"
)

// appealsEvery is how often the cities' appeal deadline notices are
// looked for (each is sent once, so the period only bounds the delay).
const appealsEvery = 15 * time.Minute

// openAppeals wires citizens' appeals: officials sign their answers as
// they sign applications' decisions (the same signer).
func (a *App) openAppeals() {
	a.appeals = &appeals.Service{DB: a.db, Docs: a.docs, Notify: a.notify, Audit: a.audit, Log: a.log,
		Signer: a.apps.OfficialSigner, Assets: web.StaticFS(), PortalURL: a.portalURL}
}

// appealsWorkers registers the appeals' deadline jobs and their periodic
// fan-out.
func (a *App) appealsWorkers(workers *river.Workers, rc *river.Config) {
	river.AddWorker(workers, appeals.NewDeadlinesWorker(a.appeals))
	river.AddWorker(workers, &appeals.DeadlinesAllWorker{DB: a.db})
	rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(appealsEvery), func() (river.JobArgs, *river.InsertOpts) {
		return appeals.DeadlinesAllArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: appealsEvery}}
	}, &river.PeriodicJobOpts{RunOnStart: true}))
}
