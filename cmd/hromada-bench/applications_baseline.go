package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The fixed baseline of the signed submission (issue 24, PERFORMANCE.md):
// pgbench running the least a submission must do — BEGIN; insert the
// application with a 2.4 KB jsonb RETURNING its id; insert one history row;
// insert a job row shaped like River's; COMMIT — into tables of the same
// shape as ours but the bench's own. It must not follow our code: were it
// Submit's own SQL, a heavier Submit would make a heavier baseline and the
// ratio would hide it. Everything here is written out once and left alone;
// the tables copy nothing from the migrations.

// baselineDDL creates the baseline's tables: keys that lead with tenant_id
// as ours do, and River's job table with River's indexes (v0.51's schema,
// written out here so that an upgrade of River does not move the baseline).
const baselineDDL = `
CREATE TABLE base_applications (
    tenant_id    uuid        NOT NULL,
    id           uuid        NOT NULL DEFAULT gen_random_uuid(),
    service_id   uuid        NOT NULL,
    applicant_id uuid        NOT NULL,
    status       text        NOT NULL,
    data         jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id));
CREATE INDEX base_applications_applicant_idx ON base_applications (tenant_id, applicant_id, created_at);
CREATE TABLE base_application_events (
    tenant_id      uuid        NOT NULL,
    id             uuid        NOT NULL DEFAULT gen_random_uuid(),
    application_id uuid        NOT NULL,
    from_status    text        NOT NULL,
    to_status      text        NOT NULL,
    at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id));
CREATE INDEX base_application_events_app_idx ON base_application_events (tenant_id, application_id, at);
CREATE TABLE base_job (
    id            bigserial   PRIMARY KEY,
    state         text        NOT NULL DEFAULT 'available',
    attempt       smallint    NOT NULL DEFAULT 0,
    max_attempts  smallint    NOT NULL,
    attempted_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    finalized_at  timestamptz,
    scheduled_at  timestamptz NOT NULL DEFAULT now(),
    priority      smallint    NOT NULL DEFAULT 1,
    args          jsonb       NOT NULL,
    attempted_by  text[],
    errors        jsonb[],
    kind          text        NOT NULL,
    metadata      jsonb       NOT NULL DEFAULT '{}',
    queue         text        NOT NULL DEFAULT 'default',
    tags          varchar(255)[] NOT NULL DEFAULT '{}',
    unique_key    bytea,
    unique_states bit(8));
CREATE INDEX base_job_kind ON base_job (kind);
CREATE INDEX base_job_state_and_finalized_at_index ON base_job (state, finalized_at) WHERE finalized_at IS NOT NULL;
CREATE INDEX base_job_prioritized_fetching_index ON base_job (state, queue, priority, scheduled_at, id);
CREATE INDEX base_job_args_index ON base_job USING GIN (args);
CREATE INDEX base_job_metadata_index ON base_job USING GIN (metadata);
CREATE UNIQUE INDEX base_job_unique_idx ON base_job (unique_key) WHERE unique_key IS NOT NULL;
GRANT SELECT, INSERT ON base_applications, base_application_events, base_job TO hromada_app;
GRANT USAGE ON SEQUENCE base_job_id_seq TO hromada_app;`

// baselineScript is the fixed transaction. The city is one of four (a
// tenant id derived from a number), the applicant one of 800; the job's
// unique key is the application's id hashed, as River keys a job unique by
// its args. Four round trips: BEGIN goes with the first INSERT in pgbench's
// extended protocol only when pipelined, which would be a different
// baseline from the one PERFORMANCE.md measured, so it is left plain.
const baselineScript = `\set city random(0, 3)
\set who random(1, 800)
BEGIN;
INSERT INTO base_applications (tenant_id, service_id, applicant_id, status, data) VALUES (md5('city' || :city)::uuid, md5('service' || :city)::uuid, md5('who' || :who)::uuid, 'received', :data::jsonb) RETURNING id AS app \gset
INSERT INTO base_application_events (tenant_id, application_id, from_status, to_status) VALUES (md5('city' || :city)::uuid, :app, 'signed', 'received');
INSERT INTO base_job (args, kind, max_attempts, queue, unique_key, unique_states) VALUES (jsonb_build_object('tenant_id', md5('city' || :city)::uuid, 'application_id', :app::uuid), 'applications.automatic', 5, 'automatic', sha256(convert_to(:app::text, 'UTF8')), B'11110101');
COMMIT;
`

// baselineData is the application's jsonb: a filled residence form with
// Cyrillic values, 2.4 KB as text. Fixed, like the rest of the baseline.
func baselineData() string {
	m := map[string]any{
		"full_name": "Шевченко Олена Петрівна", "rnokpp": "2800000001", "birth_date": "1976-08-30", "phone": "+380671000001",
		"email": "resident1@example.com", "katottg": "UA80000000000093317",
		"address":          "м. Київ, Дарницький район, вулиця Архітектора Вербицького, будинок 12-Б, під’їзд 3, поверх 9, квартира 117",
		"basis":            "tenant",
		"moved_on":         "2025-09-01",
		"previous_address": "Полтавська область, Кременчуцький район, місто Горішні Плавні, вулиця Миру, будинок 7, квартира 21",
		"deregister":       true,
	}
	var notes []string
	for i := 0; ; i++ {
		raw, _ := json.Marshal(m)
		if len(raw) >= 2400 {
			return string(raw)
		}
		notes = append(notes, fmt.Sprintf("Додаток %d: %s", i+1, strings.Repeat("довідка ", 3)))
		m["attachments_note"] = notes
	}
}
