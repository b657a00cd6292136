// Package resilience holds the failure and soak tests of the whole server
// (issue 23): PostgreSQL crashed and restarted, the server killed with
// SIGKILL and MinIO down for a minute while residents submit signed
// applications and automatic mode issues results, and a soak that watches
// the server's memory. The tests run `hromada serve` as a process built
// from ./cmd/hromada; docs/reliability.md says what they check.
package resilience
