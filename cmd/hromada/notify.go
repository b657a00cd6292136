package main

import (
	"crypto/hmac"
	"crypto/sha256"

	"hromada/modules/notify"
	"hromada/tenant"
)

// openNotify wires the notices: the SMTP relay when configured, the
// SMS gateway and FCM as app.go chose them, the link
// key (derived from the secret key, so links stay valid across restarts
// and no second secret is to be kept), and the lockout notices of audit.
func (a *App) openNotify(secret []byte, sms *notify.TurboSMS, fcm *notify.FCM) error {
	cfg := a.cfg
	o := notify.Options{DB: a.db, Log: a.log, Insert: a.insertJob, Sealer: a.sealer, PortalURL: a.portalURL, MailDomain: cfg.MailDomain, SMS: sms, FCM: fcm, Audit: a.audit,
		// Web Push needs no account: each city's VAPID key is made on
		// first use, and browsers bring their push service's address.
		WebPush: a.webPush,
		// A delivery the process was sending when it died is sent again
		// once no attempt can still be running: after the jobs' timeout.
		SendingLease: cfg.JobTimeout}
	if cfg.SMTPHost != "" {
		o.Mail = &notify.Mail{Host: cfg.SMTPHost, Port: cfg.SMTPPort, StartTLS: cfg.SMTPStartTLS,
			Username: cfg.SMTPUsername, Password: cfg.SMTPPassword, HELO: cfg.BaseDomain}
		if cfg.SMTPCAFile != "" {
			var err error
			if o.Mail.RootCAs, err = caPool("HROMADA_SMTP_CA_FILE", cfg.SMTPCAFile); err != nil {
				return err
			}
		}
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("hromada notify links"))
	o.LinkKey = m.Sum(nil)
	if o.WebPush == nil {
		o.WebPush = &notify.WebPush{}
	}
	var err error
	if a.notify, err = notify.New(o); err != nil {
		return err
	}
	a.audit.Notify = a.notify.Account // lockout notices to the administrators
	return nil
}

// portalURL is the base URL of a city's portal: https in production, the
// dev server's port in dev.
func (a *App) portalURL(t *tenant.Tenant) string {
	if a.cfg.Production() {
		return "https://" + t.Slug + "." + a.cfg.BaseDomain
	}
	return "http://" + t.Slug + "." + a.cfg.BaseDomain + portOf(a.cfg.Addr)
}
