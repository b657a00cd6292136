package audit

// Exported for the tests of package audit_test, which tamper with rows the
// way someone who knows the encoding would.
var (
	Canonical = canonical
	ChainHash = chainHash
	PolicyTx  = (*Service).policyTx
)

// InLane is a Service whose records all go to lane (a test's, to build a
// chain of known seqs in one lane); Record's own lane is the
// transaction's.
func InLane(lane int) *Service { return &Service{pin: lane + 1} }
