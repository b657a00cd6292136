package drills

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"

	"hromada/modules/docstore"
)

const (
	stanza       = "hromada"
	backupBucket = "pgbackrest"
	docsBucket   = "hromada-docs"
)

// backRest is pgBackRest set up for one cluster, its repository in the
// object store (repo1-type=s3 on the drill's MinIO, over TLS checked
// against the run's certificate).
type backRest struct {
	conf string
	cred *syscall.Credential
}

// newBackRest writes the configuration for the cluster in pgDir: the
// repository in bucket on s3, its lock, log and spool directories under
// dir, owned by the user PostgreSQL runs as (archive_command runs as it).
func newBackRest(t *testing.T, dir string, s3 *objectStore, pgDir string) *backRest {
	t.Helper()
	cred := serviceCred(t)
	root := filepath.Join(dir, "pgbackrest")
	for _, d := range []string{root, root + "/lock", root + "/log", root + "/spool"} {
		require.NoError(t, os.MkdirAll(d, 0o750))
		chownTo(t, cred, d)
	}
	_, port, _ := strings.Cut(s3.Endpoint, ":")
	conf := filepath.Join(root, "pgbackrest.conf")
	body := strings.Join([]string{
		"[global]",
		"repo1-type=s3",
		"repo1-path=/" + stanza,
		"repo1-s3-bucket=" + backupBucket,
		"repo1-s3-endpoint=127.0.0.1",
		"repo1-storage-port=" + port,
		"repo1-s3-region=us-east-1",
		"repo1-s3-key=" + s3.AccessKey,
		"repo1-s3-key-secret=" + s3.SecretKey,
		"repo1-s3-uri-style=path",
		"repo1-storage-ca-file=" + caFile,
		"repo1-retention-full=2",
		"start-fast=y",
		"lock-path=" + root + "/lock",
		"log-path=" + root + "/log",
		"spool-path=" + root + "/spool",
		"log-level-console=info",
		"log-level-file=detail",
		"",
		"[" + stanza + "]",
		"pg1-path=" + pgDir,
		"pg1-socket-path=" + filepath.Join(pgDir, "run"),
		"pg1-port=5432",
		"pg1-user=postgres",
		"",
	}, "\n")
	require.NoError(t, os.WriteFile(conf, []byte(body), 0o600))
	chownTo(t, cred, conf)
	return &backRest{conf: conf, cred: cred}
}

// archiveSettings are the cluster's settings that ship every WAL segment
// to the repository.
func (b *backRest) archiveSettings() map[string]string {
	return map[string]string{
		"wal_level":       "replica",
		"archive_mode":    "on",
		"archive_command": "pgbackrest --config=" + b.conf + " --stanza=" + stanza + " archive-push %p",
	}
}

// run runs a pgBackRest command for the stanza as PostgreSQL's user.
func (b *backRest) run(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("pgbackrest", append([]string{"--config=" + b.conf, "--stanza=" + stanza}, args...)...)
	if b.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: b.cred}
		cmd.Dir = "/"
	}
	out, err := cmd.CombinedOutput()
	if ee := (*exec.Error)(nil); errors.As(err, &ee) {
		t.Fatalf("pgbackrest is not installed (.ci/deps.sh installs it): %v", err)
	}
	require.NoError(t, err, "pgbackrest %s:\n%s", strings.Join(args, " "), out)
	return string(out)
}

// appState is what the drill compares of one application: its row, its
// history, its notices, and its documents (key and SHA-256).
type appState struct {
	Status  string
	Row     string // md5 of the row's text
	Events  string // md5 of its history's rows
	NEvents int
	Notices int
	Files   map[string]string // object key → SHA-256
}

// snapshot reads every application's state, as the superuser.
func snapshot(t *testing.T, pg *pgServer) map[uuid.UUID]*appState {
	t.Helper()
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, pg.Super)
	require.NoError(t, err)
	defer conn.Close(context.WithoutCancel(ctx))
	rows, err := conn.Query(ctx, `
		SELECT a.id, a.status, md5(a::text),
		       (SELECT coalesce(md5(string_agg(e::text, '|' ORDER BY e::text)), '') FROM application_events e
		         WHERE e.tenant_id = a.tenant_id AND e.application_id = a.id),
		       (SELECT count(*) FROM application_events e WHERE e.tenant_id = a.tenant_id AND e.application_id = a.id),
		       (SELECT count(*) FROM notifications n WHERE n.tenant_id = a.tenant_id AND n.application_id = a.id)
		  FROM applications a`)
	require.NoError(t, err)
	apps := map[uuid.UUID]*appState{}
	for rows.Next() {
		var id uuid.UUID
		s := &appState{Files: map[string]string{}}
		require.NoError(t, rows.Scan(&id, &s.Status, &s.Row, &s.Events, &s.NEvents, &s.Notices))
		apps[id] = s
	}
	require.NoError(t, rows.Err())
	rows, err = conn.Query(ctx, `SELECT application_id, object_key, sha256 FROM application_files`)
	require.NoError(t, err)
	for rows.Next() {
		var id uuid.UUID
		var key, sum string
		require.NoError(t, rows.Scan(&id, &key, &sum))
		require.Contains(t, apps, id)
		apps[id].Files[key] = sum
	}
	require.NoError(t, rows.Err())
	return apps
}

// The backup drill: a full backup and the WAL archive in the object
// store, a point-in-time restore into a new data directory from the
// repository alone (the original cluster is gone), and the restored
// database holds exactly the applications committed before the target
// time, intact, whose documents are all in the object store with the
// SHA-256 the database recorded; the documents stored after the target
// are the orphans, and none is missing.
func TestBackupAndPointInTimeRestore(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := workDir(t)
	s3 := startErasureMinIO(t)
	require.NoError(t, s3.Client.MakeBucket(ctx, backupBucket, minio.MakeBucketOptions{}))

	pgDir := filepath.Join(dir, "pg")
	br := newBackRest(t, dir, s3, pgDir)
	pg := startPostgres(t, pgDir, br.archiveSettings())
	br.run(t, "stanza-create")
	pg.migrate(t, dir)

	key := []byte("0123456789abcdef0123456789abcdef")
	docsURL := s3.DocsURL(docsBucket)
	addr := "127.0.0.1:" + strconv.Itoa(freePorts(t, 1)[0])
	srv := startHromada(t, dir, "serve", addr, hromadaEnv(pg.URLs, docsURL, addr, filepath.Join(dir, "serve"), key), "serve", "--demo")
	res := newResident(t, pg.URLs, docsURL, key)
	issued := `SELECT count(*) FROM applications WHERE status = 'issued'`
	total := 0
	batch := func(n int) []uuid.UUID {
		var ids []uuid.UUID
		for range n {
			total++
			ids = append(ids, res.submit(t, total))
		}
		pg.waitCount(t, total, issued)
		pg.waitCount(t, total, `SELECT count(*) FROM notifications WHERE key IN ('notify.granted', 'notify.denied')`)
		return ids
	}

	first := batch(3)
	out := br.run(t, "backup", "--type=full")
	t.Logf("full backup:\n%s", lastLines(out, 3))
	second := batch(3)
	want := snapshot(t, pg)
	require.Len(t, want, 6)
	var target time.Time
	conn, err := pgx.Connect(ctx, pg.Super)
	require.NoError(t, err)
	require.NoError(t, conn.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&target))
	// Commits after the target must fall after it on the clock too.
	for {
		var later bool
		require.NoError(t, conn.QueryRow(ctx, `SELECT clock_timestamp() > $1::timestamptz + interval '1 second'`, target).Scan(&later))
		if later {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.NoError(t, conn.Close(ctx))
	third := batch(3)
	all := snapshot(t, pg)
	var afterKeys []string
	for _, id := range third {
		require.Equal(t, "issued", all[id].Status)
		for k := range all[id].Files {
			afterKeys = append(afterKeys, k)
		}
	}
	require.NotEmpty(t, afterKeys)
	srv.stop(t)
	// check switches to a new WAL segment and waits until it is archived:
	// everything up to the last commit is in the repository.
	br.run(t, "check")
	t.Logf("repository:\n%s", br.run(t, "info"))

	// The cluster is lost: stopped and its directory removed.
	require.NoError(t, pg.Cluster.Stop())
	require.NoError(t, os.RemoveAll(pgDir))

	restored := filepath.Join(dir, "restored")
	require.NoError(t, os.Mkdir(restored, 0o700))
	chownTo(t, serviceCred(t), restored)
	tgt := target.UTC().Format("2006-01-02 15:04:05.999999") + "+00"
	out = br.run(t, "restore", "--pg1-path="+restored, "--type=time", "--target="+tgt, "--target-action=promote")
	t.Logf("restore to %s:\n%s", tgt, lastLines(out, 3))
	rpg := startPostgres(t, restored, map[string]string{"archive_mode": "off"})
	rpg.waitCount(t, 0, `SELECT count(*) FROM pg_is_in_recovery() r WHERE r`)

	// Exactly the applications committed before the target, as they were.
	got := snapshot(t, rpg)
	require.Len(t, got, len(first)+len(second))
	for _, id := range append(append([]uuid.UUID{}, first...), second...) {
		require.Contains(t, got, id)
		require.Equal(t, want[id], got[id], "application %s", id)
		require.Equal(t, "issued", got[id].Status)
		require.NotEmpty(t, got[id].Files, "application %s has its documents", id)
	}
	for _, id := range third {
		require.NotContains(t, got, id, "an application after the target came back")
	}

	// Documents: every one the restored database names is in the object
	// store with its recorded SHA-256 (none missing), and was written
	// before the target; the ones written after it are named by nothing:
	// orphans for the sweep (docs/backup.md).
	docs, err := docstore.Open(ctx, docsURL)
	require.NoError(t, err)
	referenced := map[string]bool{}
	for _, s := range got {
		for k, sum := range s.Files {
			referenced[k] = true
			rc, err := docs.GetVerified(ctx, k, sum)
			require.NoError(t, err, "document %s", k)
			_, err = io.Copy(io.Discard, rc)
			require.NoError(t, err, "document %s does not match its SHA-256", k)
			require.NoError(t, rc.Close())
		}
	}
	orphans := map[string]bool{}
	for o := range s3.Client.ListObjects(ctx, docsBucket, minio.ListObjectsOptions{Prefix: "tenants/", Recursive: true}) {
		require.NoError(t, o.Err)
		switch {
		case referenced[o.Key]:
			require.False(t, o.LastModified.After(target), "document %s named by the restored database was written after the target", o.Key)
		case o.LastModified.After(target):
			orphans[o.Key] = true
		}
	}
	for _, k := range afterKeys {
		require.True(t, orphans[k], "document %s of an application after the target is not an orphan", k)
	}
	t.Logf("restored %d applications with %d documents; %d orphans after the target", len(got), len(referenced), len(orphans))

	// The documents are erasure-coded over the four drives.
	require.Positive(t, s3.requireErasure(t, docsBucket, "tenants/"))
	require.Positive(t, s3.requireErasure(t, backupBucket, stanza+"/"))

	// The restored database serves.
	addr = "127.0.0.1:" + strconv.Itoa(freePorts(t, 1)[0])
	after := startHromada(t, dir, "serve-restored", addr, hromadaEnv(rpg.URLs, docsURL, addr, filepath.Join(dir, "serve-restored"), key), "serve")
	after.stop(t)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
