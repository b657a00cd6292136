package audit

// Exported for the tests of package audit_test, which tamper with rows the
// way someone who knows the encoding would.
var (
	Canonical = canonical
	ChainHash = chainHash
	PolicyTx  = (*Service).policyTx
)
