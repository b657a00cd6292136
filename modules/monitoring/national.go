package monitoring

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// The national exchange (seed 004, the Ministry's order 145): each day,
// each provider's indicators go to the national system of online
// monitoring and quality assessment as one message, signed with the
// provider's seal (CAdES) and sent over HTTPS with mutual TLS.
//
// The order leaves "the list of data, the structure and the format" to
// the connection agreement (§5), which is not published. So the structure
// is defined here, in one place, behind Format: the assumption is a JSON
// document per provider and day carrying the register's national service
// codes (docs/monitoring.md, "The national exchange"). A real agreement's
// format is a second Format; nothing else changes.

// Format encodes a provider's day as the national system expects it.
type Format interface {
	// Schema names the structure and its version; it is part of the
	// message id, so a new format makes new messages.
	Schema() string
	Encode(d *NationalDay) ([]byte, error)
}

// NationalDay is what one message says: a provider's day.
type NationalDay struct {
	MessageID uuid.UUID         `json:"message_id"`
	Schema    string            `json:"schema"`
	City      string            `json:"city"`
	Day       string            `json:"day"`
	Provider  NationalProvider  `json:"provider"`
	Services  []NationalService `json:"services"`
	Centres   []NationalCentre  `json:"centres"`
	Generated time.Time         `json:"generated_at"`
}

// NationalProvider identifies the provider by its ЄДРПОУ.
type NationalProvider struct {
	Code   string `json:"code"`
	EDRPOU string `json:"edrpou"`
	Name   string `json:"name"`
}

// NationalService is a service's day; NationalCode is the national
// register's identifier (empty for a local service).
type NationalService struct {
	NationalCode string   `json:"national_code"`
	Code         string   `json:"code"`
	Name         string   `json:"name"`
	Submitted    int64    `json:"applications_submitted"`
	Automatic    int64    `json:"decided_automatically"`
	Officials    int64    `json:"decided_by_officials"`
	Approved     int64    `json:"approved"`
	Refused      int64    `json:"refused"`
	OnTime       int64    `json:"decided_on_time"`
	Late         int64    `json:"decided_late"`
	MedianDays   *float64 `json:"processing_days_median"`
	OverdueOpen  int64    `json:"overdue_open"`
	CardViews    int64    `json:"card_views"`
	// Ratings are the applicants' ratings of the day's results (seed
	// 001: ratings per service, passed on automatically).
	Ratings [4]int64 `json:"result_ratings_1_to_4"`
}

// NationalCentre is a centre's ratings of the day (seed 001: passed on
// automatically) on the four-level scale, with the loyalty index.
type NationalCentre struct {
	Code    string   `json:"code"`
	Name    string   `json:"name"`
	Ratings [4]int64 `json:"ratings_1_to_4"`
	Loyalty *int     `json:"loyalty_index"`
	Served  int64    `json:"visits_served"`
}

// FormatV1 is Hromada's assumed structure: the NationalDay as JSON.
var FormatV1 Format = jsonV1{}

type jsonV1 struct{}

func (jsonV1) Schema() string { return "hromada.monitoring.national/v1" }

func (jsonV1) Encode(d *NationalDay) ([]byte, error) { return json.Marshal(d) }

// messageNamespace makes message ids: a UUID v5 of (city, provider, day,
// schema), the same however often the day is built.
var messageNamespace = uuid.MustParse("5b0e6f43-9d7a-4c1e-8a34-21c0d8640145")

func messageID(city, provider uuid.UUID, day time.Time, schema string) uuid.UUID {
	return uuid.NewSHA1(messageNamespace, []byte(city.String()+"/"+provider.String()+"/"+day.Format(time.DateOnly)+"/"+schema))
}
