package tenant

import (
	"time"
	_ "time/tzdata" // Europe/Kyiv even where the system has no (or old) zone data
)

// Zone is the cities' local time zone: every time is stored in UTC and shown,
// dated and counted in working days here. All of Ukraine's hromady keep Kyiv
// time (EET/EEST), so it is one zone for every tenant; it lives in tenant so
// that a city with its own zone would be a field of Tenant, not a change in
// every module.
var Zone = func() *time.Location {
	l, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		return time.FixedZone("EET", 2*3600)
	}
	return l
}()
