package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5/pgxpool"
)

// stmtStat is one statement's pg_stat_statements counters (-pgstat).
type stmtStat struct {
	calls      int64
	exec, plan float64 // ms
	buffers    int64   // shared blocks hit and read
	query      string
}

// stmtStats is pg_stat_statements at one moment, by statement (user,
// database, query id and whether it was a top-level one: the triggers'
// statements are counted apart, track = all).
type stmtStats map[string]stmtStat

// enableStatements creates pg_stat_statements in the bench's database
// (the cluster loads it when -pgstat is set) and resets its counters.
func enableStatements(ctx context.Context, super *pgxpool.Pool) error {
	if _, err := super.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()`); err != nil {
		return fmt.Errorf("-pgstat: %w", err)
	}
	return nil
}

// readStatements reads pg_stat_statements' counters now.
func readStatements(ctx context.Context, super *pgxpool.Pool) (stmtStats, error) {
	rows, err := super.Query(ctx, `SELECT userid::text || '/' || dbid || '/' || queryid || '/' || toplevel, calls,
		total_exec_time, total_plan_time, shared_blks_hit + shared_blks_read, regexp_replace(query, '\s+', ' ', 'g')
		FROM pg_stat_statements WHERE calls > 0`)
	if err != nil {
		return nil, fmt.Errorf("-pgstat: %w", err)
	}
	defer rows.Close()
	out := stmtStats{}
	for rows.Next() {
		var (
			key string
			s   stmtStat
		)
		if err := rows.Scan(&key, &s.calls, &s.exec, &s.plan, &s.buffers, &s.query); err != nil {
			return nil, err
		}
		out[key] = s
	}
	return out, rows.Err()
}

// add adds what each statement did between before and after: the
// statements of one measured span, summed over a bench's spans. The
// reads of the counters themselves are in after and not in before, so
// each span counts one; they are the bench's own and small.
func (t stmtStats) add(before, after stmtStats) {
	for k, a := range after {
		b := before[k]
		if a.calls <= b.calls {
			continue
		}
		s := t[k]
		s.calls += a.calls - b.calls
		s.exec += a.exec - b.exec
		s.plan += a.plan - b.plan
		s.buffers += a.buffers - b.buffers
		s.query = a.query
		t[k] = s
	}
}

// print prints the statements that took the most time first (execution
// and planning), under title; when per > 0 (the results, say, of unit),
// with calls and milliseconds per unit too. A call's time includes its
// waits (a lock).
func (t stmtStats) print(title string, per int, unit string) {
	list := make([]stmtStat, 0, len(t))
	var total float64
	for _, s := range t {
		list = append(list, s)
		total += s.exec + s.plan
	}
	slices.SortFunc(list, func(a, b stmtStat) int {
		switch x, y := a.exec+a.plan, b.exec+b.plan; {
		case x > y:
			return -1
		case x < y:
			return 1
		}
		return 0
	})
	fmt.Printf("\n%s (pg_stat_statements), by time; all statements %.0f ms", title, total)
	if per > 0 {
		fmt.Printf(", %.2f ms per %s (%d)", total/float64(per), unit, per)
	}
	fmt.Println(":")
	head, rule := "| calls | total ms | exec µs per call | plan µs per call | buffers per call | statement |", "|---|---|---|---|---|---|"
	if per > 0 {
		head = fmt.Sprintf("| calls | calls per %s | total ms | ms per %s | exec µs per call | plan µs per call | buffers per call | statement |", unit, unit)
		rule = "|---|---|---|---|---|---|---|---|"
	}
	fmt.Println(head)
	fmt.Println(rule)
	for _, s := range list[:min(len(list), 25)] {
		q := s.query
		if r := []rune(q); len(r) > 110 {
			q = string(r[:110]) + "…"
		}
		n := float64(s.calls)
		if per > 0 {
			fmt.Printf("| %d | %.2f | %.0f | %.3f | %.1f | %.1f | %.1f | %s |\n", s.calls, n/float64(per), s.exec+s.plan, (s.exec+s.plan)/float64(per),
				1000*s.exec/n, 1000*s.plan/n, float64(s.buffers)/n, q)
			continue
		}
		fmt.Printf("| %d | %.0f | %.1f | %.1f | %.1f | %s |\n", s.calls, s.exec+s.plan, 1000*s.exec/n, 1000*s.plan/n, float64(s.buffers)/n, q)
	}
}
