package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/localpg"
	"hromada/modules/docstore"
	"hromada/modules/lifecycle"
	"hromada/modules/operator"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

// tableState is what a city has in one table: its rows, and a digest of
// them (every column), so "still there" means the same rows, not as many.
type tableState struct {
	Rows   int64
	Digest string
}

// citySnapshot reads, as the superuser (no RLS), every tenant table's
// state for the city id. The tables are listed here from
// information_schema, independently of lifecycle.Tables and purge_tenant,
// so a table either of them skipped fails the comparisons below.
func citySnapshot(t *testing.T, super *pgx.Conn, id uuid.UUID) map[string]tableState {
	t.Helper()
	ctx := t.Context()
	rows, err := super.Query(ctx, `SELECT c.table_name::text FROM information_schema.columns c
		JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
		WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND tb.table_type = 'BASE TABLE'
		  AND c.table_name <> 'tenant_domains'`)
	require.NoError(t, err)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Greater(t, len(tables), 50, "the tenant tables were not found")
	out := map[string]tableState{}
	for _, tb := range tables {
		var s tableState
		require.NoError(t, super.QueryRow(ctx, `SELECT count(*), coalesce(md5(string_agg(x::text, E'\n' ORDER BY x::text)), '')
			FROM `+pgx.Identifier{tb}.Sanitize()+` x WHERE tenant_id = $1`, id).Scan(&s.Rows, &s.Digest))
		out[tb] = s
	}
	return out
}

// readExport opens an export's ZIP and checks it against its manifest:
// every file's SHA-256 and every table's rows; every row is the city's.
func readExport(t *testing.T, raw []byte, city uuid.UUID) (*lifecycle.Manifest, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	require.NoError(t, err)
	files := map[string][]byte{}
	for _, f := range zr.File {
		r, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(r)
		require.NoError(t, err)
		require.NoError(t, r.Close())
		files[f.Name] = b
	}
	var m lifecycle.Manifest
	require.NoError(t, json.Unmarshal(files["manifest.json"], &m))
	require.Contains(t, string(files["README.txt"]), "Експорт даних громади")
	require.Equal(t, city.String(), m.Tenant.ID)
	require.Equal(t, version, m.Hromada)
	for _, f := range append(append([]lifecycle.ManifestFile{}, m.Tables...), m.Objects...) {
		b, ok := files[f.File]
		require.Truef(t, ok, "%s is in the manifest, not in the ZIP", f.File)
		sum := sha256.Sum256(b)
		require.Equal(t, f.SHA256, hex.EncodeToString(sum[:]), f.File)
		require.Equal(t, f.Size, int64(len(b)), f.File)
	}
	for _, f := range m.Tables {
		var n int64
		sc := bufio.NewScanner(bytes.NewReader(files[f.File]))
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			var row map[string]any
			require.NoError(t, json.Unmarshal(sc.Bytes(), &row), f.File)
			require.Equalf(t, city.String(), row["tenant_id"], "%s holds another city's row", f.File)
			n++
		}
		require.NoError(t, sc.Err())
		require.Equal(t, f.Rows, n, f.File)
	}
	return &m, files
}

// failingDeletes is the store going away in the middle of a purge: after
// left deletions, every Delete fails.
type failingDeletes struct {
	docstore.Store
	left int
}

func (f *failingDeletes) Delete(ctx context.Context, key string) error {
	if f.left == 0 {
		return errors.New("the store went away")
	}
	f.left--
	return f.Store.Delete(ctx, key)
}

// TestCityExportAndDelete (issue 13): the demo's Kyiv is exported by its
// administrator and, suspended, by the operator to the city's age key;
// every tenant table is in the export with Kyiv's rows and no one else's.
// Its deletion is refused until it is suspended and exported since, and
// without the slug typed again; then Kyiv's rows are gone from every
// tenant table while Lviv's are all still there, its objects are gone but
// a document under retention, which is listed with its date. A purge cut
// short by the store is finished by running it again, and a third run
// changes nothing.
func TestCityExportAndDelete(t *testing.T) {
	t.Parallel()
	e := newAppsEnv(t)
	ta, kyiv, lviv := e.ta, e.kyiv, e.lviv
	ctx := t.Context()
	// A signed application in Kyiv: its rows are locked (applications_lock,
	// append-only events) and its files are documents under retention.
	application := e.applyResidence(e.as(e.host, "resident"), appsPersona(t, "resident"))
	super, err := pgx.Connect(ctx, tenanttest.Cluster(t).DSN(localpg.Superuser, ta.db.Name))
	require.NoError(t, err)
	defer super.Close(context.WithoutCancel(ctx))

	// Kyiv's stored objects: an upload, and a result under retention;
	// Lviv's upload.
	plain := docstore.TenantKey(kyiv.ID, "uploads/plain.txt")
	_, err = ta.docs.Put(ctx, plain, strings.NewReader("a draft's attachment"), -1, "text/plain")
	require.NoError(t, err)
	retained := docstore.TenantKey(kyiv.ID, "documents/result.pdf")
	_, err = ta.docs.PutDocument(ctx, retained, strings.NewReader("%PDF- a decision"), -1, docstore.Meta{Class: docstore.ClassResult, ContentType: "application/pdf"})
	require.NoError(t, err)
	lvivKey := docstore.TenantKey(lviv.ID, "uploads/lviv.txt")
	_, err = ta.docs.Put(ctx, lvivKey, strings.NewReader("Lviv's"), -1, "text/plain")
	require.NoError(t, err)

	waitExport := func(ctx context.Context, id uuid.UUID) {
		t.Helper()
		require.Eventually(t, func() bool {
			es, err := ta.lifecycle.Exports(ctx)
			require.NoError(t, err)
			for _, e := range es {
				if e.ID == id {
					return e.Status == lifecycle.Done
				}
			}
			return false
		}, 3*time.Minute, 100*time.Millisecond, "the export was not made")
	}

	t.Run("AdministratorsExport", func(t *testing.T) {
		kctx := tenant.With(ctx, kyiv)
		account := uuid.New()
		id, err := ta.lifecycle.RequestExport(kctx, account)
		require.NoError(t, err)
		again, err := ta.lifecycle.RequestExport(kctx, account)
		require.NoError(t, err)
		require.Equal(t, id, again, "a second request while one is pending made another export")
		waitExport(kctx, id)
		f, e, err := ta.lifecycle.Open(kctx, id)
		require.NoError(t, err)
		raw, err := io.ReadAll(f)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		require.False(t, e.Encrypted)
		m, files := readExport(t, raw, kyiv.ID)
		require.Equal(t, "kyiv", m.Tenant.Slug)
		require.Equal(t, "a draft's attachment", string(files["objects/uploads/plain.txt"]))
		require.Equal(t, "%PDF- a decision", string(files["objects/documents/result.pdf"]))
		// Lviv may not open Kyiv's export.
		_, _, err = ta.lifecycle.Open(tenant.With(ctx, lviv), id)
		require.ErrorIs(t, err, lifecycle.ErrNoExport)
	})

	t.Run("AdministratorsPage", func(t *testing.T) {
		admin := e.as(e.host, "administrator")
		page := get(t, admin, e.u("/admin/export"))
		require.Equal(t, 200, page.status)
		require.Contains(t, appsText(page), "Експорт даних громади")
		r := appsPost(t, admin, e.u("/admin/export"), url.Values{})
		require.Equal(t, 303, r.status, appsText(r))
		require.Equal(t, "/admin/export?requested=1", r.header.Get("Location"))
		var id uuid.UUID
		require.Eventually(t, func() bool {
			es, err := ta.lifecycle.Exports(tenant.With(ctx, kyiv))
			require.NoError(t, err)
			for _, x := range es {
				if x.RequestedBy == lifecycle.ByAdministrator && x.Status == lifecycle.Done && x.CreatedAt.After(time.Now().Add(-time.Minute)) {
					id = x.ID
				}
			}
			return id != uuid.Nil
		}, 3*time.Minute, 100*time.Millisecond)
		page = get(t, admin, e.u("/admin/export"))
		require.Contains(t, page.body, "/admin/export/"+id.String())
		dl := get(t, admin, e.u("/admin/export/"+id.String()))
		require.Equal(t, 200, dl.status)
		require.Contains(t, dl.header.Get("Content-Disposition"), "kyiv-export-")
		m, _ := readExport(t, []byte(dl.body), kyiv.ID)
		require.Equal(t, "kyiv", m.Tenant.Slug)
		// The resident may not.
		require.Equal(t, 403, get(t, e.as(e.host, "resident"), e.u("/admin/export/"+id.String())).status)
	})

	by := "test operator"
	t.Run("DeleteRefused", func(t *testing.T) {
		_, err := ta.operator.Delete(ctx, "kyiv", "kyiv", by)
		require.ErrorIs(t, err, operator.ErrNotSuspended)
		_, err = ta.opPool.Exec(ctx, `SELECT purge_tenant($1)`, kyiv.ID)
		require.ErrorContains(t, err, "is not suspended")
		// The application's role may not call it at all.
		_, err = ta.appPool.Exec(ctx, `SELECT purge_tenant($1)`, kyiv.ID)
		require.ErrorContains(t, err, "permission denied")
		_, err = ta.operator.RequestExport(ctx, "kyiv", "age1notakey")
		require.ErrorIs(t, err, operator.ErrRecipient)
	})

	// Both cities are suspended: nothing changes in them from here on, so
	// their tables can be compared exactly.
	for _, slug := range []string{"kyiv", "lviv"} {
		_, err := ta.operator.SetStatus(ctx, slug, tenant.Suspended)
		require.NoError(t, err)
	}
	// The jobs already running finish; the others wait for the city.
	require.Eventually(t, func() bool {
		var running int
		require.NoError(t, super.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state = 'running'
			AND args->>'tenant_id' IN ($1, $2)`, kyiv.ID.String(), lviv.ID.String()).Scan(&running))
		return running == 0
	}, 3*time.Minute, 100*time.Millisecond, "the cities' jobs did not stop")
	t.Run("DeleteNeedsAnExportSinceSuspension", func(t *testing.T) {
		// The administrator's export was made before the suspension.
		_, err := ta.operator.Delete(ctx, "kyiv", "kyiv", by)
		require.ErrorIs(t, err, operator.ErrExportRequired)
		_, err = ta.operator.Delete(ctx, "kyiv", "Kyiv", by)
		require.ErrorIs(t, err, operator.ErrConfirm)
		// The database refuses too, whoever calls it as the operator.
		_, err = ta.opPool.Exec(ctx, `SELECT purge_tenant($1)`, kyiv.ID)
		require.ErrorContains(t, err, "has no export made since its suspension")
		var status string
		require.NoError(t, super.QueryRow(ctx, `SELECT status FROM tenants WHERE slug = 'kyiv'`).Scan(&status))
		require.Equal(t, "suspended", status)
	})

	key, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	var export operator.CityExport
	t.Run("OperatorsEncryptedExport", func(t *testing.T) {
		_, err := ta.operator.RequestExport(ctx, "kyiv", key.Recipient().String())
		require.NoError(t, err)
		_, err = ta.operator.RequestExport(ctx, "kyiv", key.Recipient().String())
		require.NoError(t, err)
		made := func() bool {
			es, err := ta.operator.Exports(ctx, kyiv.ID)
			require.NoError(t, err)
			for _, e := range es {
				if e.Encrypted && e.Status == lifecycle.Done {
					export = e
					return true
				}
			}
			return false
		}
		for deadline := time.Now().Add(3 * time.Minute); !made(); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the operator's export was not made; exports and their jobs: %s", exportState(t, super, kyiv.ID))
			}
		}
		var operatorExports int
		require.NoError(t, super.QueryRow(ctx, `SELECT count(*) FROM city_exports WHERE tenant_id = $1 AND requested_by = 'operator'`, kyiv.ID).Scan(&operatorExports))
		require.Equal(t, 1, operatorExports, "a second request while one was queued made another export")

		// Kyiv's state now, which the export must hold whole.
		before := citySnapshot(t, super, kyiv.ID)
		f, _, err := ta.operator.OpenExport(ctx, "kyiv", export.ID)
		require.NoError(t, err)
		sealed, err := io.ReadAll(f)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		_, err = zip.NewReader(bytes.NewReader(sealed), int64(len(sealed)))
		require.Error(t, err, "the operator's export is readable without the city's key")
		dec, err := age.Decrypt(bytes.NewReader(sealed), key)
		require.NoError(t, err)
		raw, err := io.ReadAll(dec)
		require.NoError(t, err)
		m, _ := readExport(t, raw, kyiv.ID)
		got := map[string]int64{}
		for _, f := range m.Tables {
			got[f.Name] = f.Rows
		}
		for table, st := range before {
			rows, ok := got[table]
			require.Truef(t, ok, "table %s is not in the export", table)
			require.Equalf(t, st.Rows, rows, "table %s", table)
		}
		require.Len(t, got, len(before), "the export has tables that are not tenant tables")
		require.Greater(t, m.TotalRows, int64(100), "the demo city exported almost nothing")
	})

	t.Run("Delete", func(t *testing.T) {
		kyivBefore := citySnapshot(t, super, kyiv.ID)
		lvivBefore := citySnapshot(t, super, lviv.ID)
		var signed int
		require.NoError(t, super.QueryRow(ctx, `SELECT count(*) FROM applications WHERE id = $1 AND status <> 'draft'`, application).Scan(&signed))
		require.Equal(t, 1, signed, "the application is not signed: its lock is not tried")
		var want int64
		for _, s := range kyivBefore {
			want += s.Rows
		}

		// The store goes away after one object: the rows are gone, the
		// objects half, and the deletion says it failed.
		ta.operator.WithDocs(&failingDeletes{Store: ta.docs, left: 1})
		_, err := ta.operator.Delete(ctx, "kyiv", "kyiv", by)
		ta.operator.WithDocs(ta.docs)
		require.ErrorContains(t, err, "the store went away")

		// Run again: the rows are not counted twice, the objects finish.
		d, err := ta.operator.Delete(ctx, "kyiv", "kyiv", by)
		require.NoError(t, err)
		require.Equal(t, want, d.TotalRows())
		require.Equal(t, by, d.DeletedBy)
		require.NotNil(t, d.FinishedAt)
		var keep []string
		for _, r := range d.Retained {
			keep = append(keep, r.Key)
			require.Truef(t, strings.HasPrefix(r.Key, docstore.TenantKey(kyiv.ID, "")), "retained %s is not Kyiv's", r.Key)
			require.Truef(t, r.Until.After(time.Now().AddDate(1, 0, 0)), "%s: a document's retention is years", r.Key)
		}
		require.Contains(t, keep, retained)
		require.Greater(t, len(keep), 1, "the signed application's files are not kept")
		removed := d.ObjectsRemoved
		require.GreaterOrEqual(t, removed, 3, "the upload and the two exports")

		for table, st := range citySnapshot(t, super, kyiv.ID) {
			require.Zerof(t, st.Rows, "Kyiv still has rows in %s", table)
		}
		require.Equal(t, lvivBefore, citySnapshot(t, super, lviv.ID), "Lviv's rows changed")
		var lvivRows int64
		for _, st := range lvivBefore {
			lvivRows += st.Rows
		}
		require.Greater(t, lvivRows, int64(100), "Lviv had almost no rows to keep")

		// The objects: Kyiv's upload and exports gone, its result kept,
		// Lviv's untouched.
		_, err = ta.docs.Get(ctx, plain)
		require.ErrorIs(t, err, docstore.ErrNotFound)
		left, err := ta.docs.List(ctx, docstore.TenantKey(kyiv.ID, ""))
		require.NoError(t, err)
		require.ElementsMatch(t, keep, left)
		_, err = ta.docs.Stat(ctx, lvivKey)
		require.NoError(t, err)

		// The tombstone: Kyiv is deleted, its slug stays taken, it cannot
		// be resumed, its portal is not found.
		k, err := ta.operator.Get(ctx, "kyiv")
		require.NoError(t, err)
		require.Equal(t, tenant.Deleted, k.Status)
		_, err = ta.operator.SetStatus(ctx, "kyiv", tenant.Active)
		require.ErrorIs(t, err, tenant.ErrDeleted)
		_, err = ta.operator.Create(ctx, tenant.CreateParams{Slug: "kyiv", Name: "Інша громада"})
		require.ErrorIs(t, err, tenant.ErrSlugTaken)
		var jobs int
		require.NoError(t, super.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE args->>'tenant_id' = $1 AND state <> 'running'`, kyiv.ID.String()).Scan(&jobs))
		require.Zero(t, jobs, "Kyiv's jobs are still queued")
		res := get(t, ta.client(t), ta.url("kyiv."+testBase, "/"))
		require.Equal(t, 404, res.status)

		// A third run changes nothing.
		again, err := ta.operator.Delete(ctx, "kyiv", "kyiv", by)
		require.NoError(t, err)
		require.Equal(t, removed, again.ObjectsRemoved)
		require.Equal(t, d.TotalRows(), again.TotalRows())
		require.Equal(t, d.DeletedAt, again.DeletedAt)
		require.Equal(t, lvivBefore, citySnapshot(t, super, lviv.ID))
	})

	t.Run("CLI", func(t *testing.T) {
		env := map[string]string{
			"HROMADA_DATABASE_URL":          ta.db.AppDSN,
			"HROMADA_OPERATOR_DATABASE_URL": ta.db.OperatorDSN,
			"HROMADA_OWNER_DATABASE_URL":    ta.db.OwnerDSN,
			"HROMADA_DATA_DIR":              t.TempDir(),
			"HROMADA_OBJECT_STORE":          ta.cfg.ObjectStore,
			"HROMADA_BASE_DOMAIN":           testBase,
			"HROMADA_LOG_LEVEL":             "warn",
			"HROMADA_LANG":                  "uk",
			"USER":                          "operator1",
		}
		code, _, errOut := runCLI(t, env, "tenant", "delete", "lviv")
		require.Equal(t, exitUsage, code)
		require.Contains(t, errOut, "коротку назву «lviv» точно")
		code, _, errOut = runCLI(t, env, "tenant", "delete", "--confirm", "lviv", "lviv")
		require.Equal(t, exitFailed, code, errOut)
		require.Contains(t, errOut, "немає завершеного експорту її даних, зробленого після призупинення")
		code, _, errOut = runCLI(t, env, "tenant", "export", "--recipient", "age1nope", "lviv")
		require.Equal(t, exitUsage, code)
		require.Contains(t, errOut, "потрібен відкритий ключ age")
		// Kyiv is deleted already: the command says so, and what stays.
		code, out, errOut := runCLI(t, env, "tenant", "delete", "--confirm", "kyiv", "kyiv")
		require.Equal(t, exitOK, code, errOut)
		require.Contains(t, out, "Київська міська рада (kyiv) is deleted")
		require.Contains(t, out, "because of retention requirements")
		require.Contains(t, out, retained)
		code, out, _ = runCLI(t, env, "tenant", "list")
		require.Equal(t, exitOK, code)
		require.Regexp(t, `kyiv\s+deleted`, out)
	})
}

// exportState says where a city's exports and their jobs stand, for a
// failure's message.
func exportState(t *testing.T, super *pgx.Conn, city uuid.UUID) string {
	t.Helper()
	var out []string
	rows, err := super.Query(t.Context(), `SELECT requested_by || ' ' || status || ' ' || error FROM city_exports WHERE tenant_id = $1`, city)
	if err == nil {
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			out = append(out, "export: "+s)
		}
		rows.Close()
	}
	rows, err = super.Query(t.Context(), `SELECT state || ' attempt ' || attempt || ' ' || coalesce(errors::text, '') FROM river_job WHERE kind = 'lifecycle.export'`)
	if err == nil {
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			out = append(out, "job: "+s)
		}
		rows.Close()
	}
	return strings.Join(out, "; ")
}
