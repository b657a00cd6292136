package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"time"

	"hromada/modules/provsys"
)

// openProvsys wires the providers' own systems (issue 26): the hand-over
// seam of applications, and the attachments' link key derived from the
// secret key (links stay valid across restarts; no second secret to keep).
func (a *App) openProvsys(secret []byte) error {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("hromada provider system links"))
	var err error
	a.provsys, err = provsys.New(provsys.Options{DB: a.db, Log: a.log, Apps: a.apps, Insert: a.insertJob, Notify: a.notify,
		Sealer: a.sealer, FileKey: m.Sum(nil), PortalURL: a.portalURL, SendingLease: a.cfg.JobTimeout,
		HTTP: a.cfg.Egress().Client(30 * time.Second), Trembita: a.registries, Audit: a.audit})
	if err != nil {
		return err
	}
	a.apps.Handover = a.provsys.Handover
	return nil
}
