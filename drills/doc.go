// Package drills holds the operations drills: tests that run the real
// `hromada` binary as separate processes against a PostgreSQL cluster and
// an erasure-coded MinIO of their own, the way production runs them. The
// backup drill takes a pgBackRest backup into the object store and restores
// it to a point in time (docs/backup.md); the processes drill runs two
// `serve` and two `worker` processes on one database (docs/processes.md).
// They are slow, so they live apart from the other packages' tests and
// run in parallel with them.
package drills
