package trustlist_test

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/signature/dstu4145/dstu4145test"
	"hromada/modules/trustlist"
	"hromada/modules/trustlist/trustlisttest"
	"hromada/tenant/tenanttest"
)

func TestMain(m *testing.M) { tenanttest.Main(m) }

// testBundle is a register in a database of its own, an anchor it pins,
// and the CAs a list puts on it.
type testBundle struct {
	db     *tenanttest.DB
	reg    *trustlist.Register
	anchor *trustlisttest.CA
	// signatures: a CA for e-signatures; seals: one for e-seals named by
	// the Qualifications extension only; withdrawn: granted at t0,
	// withdrawn at t1; ocsp and tsa: other kinds of service.
	signatures, seals, withdrawn, ocsp, tsa *trustlisttest.CA
	t0, t1                                  time.Time
	now                                     time.Time

	// dstuAnchor, when set in place of anchor, seals the lists with ДСТУ
	// 4145 as dstuSeal says, and the list has one more CA for
	// e-signatures: dstuCA, with a ДСТУ key.
	dstuAnchor *trustlisttest.DSTUCA
	dstuSeal   *trustlisttest.DSTUSeal
	dstuCA     *dstu4145test.CA
}

func setup(t *testing.T, anchor *trustlisttest.CA) *testBundle {
	t.Helper()
	return newBundle(t, anchor, nil, nil)
}

// setupDSTU is setup with a ДСТУ 4145 anchor sealing the lists as o says.
func setupDSTU(t *testing.T, anchor *trustlisttest.DSTUCA, o *trustlisttest.DSTUSeal) *testBundle {
	t.Helper()
	return newBundle(t, nil, anchor, o)
}

func newBundle(t *testing.T, anchor *trustlisttest.CA, dstuAnchor *trustlisttest.DSTUCA, o *trustlisttest.DSTUSeal) *testBundle {
	t.Helper()
	db := tenanttest.New(t)
	b := &testBundle{
		db:         db,
		anchor:     anchor,
		dstuAnchor: dstuAnchor,
		dstuSeal:   o,
		signatures: trustlisttest.NewCA(t, "КНЕДП для підписів", trustlisttest.Key(t, false)),
		seals:      trustlisttest.NewCA(t, "КНЕДП для печаток", trustlisttest.Key(t, false)),
		withdrawn:  trustlisttest.NewCA(t, "КНЕДП, що припинив діяльність", trustlisttest.Key(t, false)),
		ocsp:       trustlisttest.NewCA(t, "OCSP-сервер", trustlisttest.Key(t, false)),
		tsa:        trustlisttest.NewCA(t, "Служба міток часу", trustlisttest.Key(t, false)),
		now:        time.Now().UTC().Truncate(time.Second),
	}
	b.t0 = b.now.Add(-365 * 24 * time.Hour)
	b.t1 = b.now.Add(-30 * 24 * time.Hour)
	if dstuAnchor != nil {
		var err error
		b.dstuCA, err = dstu4145test.NewCA("КНЕДП (ДСТУ)")
		require.NoError(t, err)
	}
	b.reg = trustlist.New(db.App.Pool(), &trustlist.Options{Anchors: []*x509.Certificate{b.anchorCert()}, Now: func() time.Time { return b.now }})
	return b
}

// anchorCert is the certificate the bundle's register pins.
func (b *testBundle) anchorCert() *x509.Certificate {
	if b.dstuAnchor != nil {
		return b.dstuAnchor.Certificate
	}
	return b.anchor.Cert
}

// seal seals a list's XML with the bundle's anchor.
func (b *testBundle) seal(t *testing.T, unsigned []byte) []byte {
	t.Helper()
	if b.dstuAnchor != nil {
		return b.dstuAnchor.Seal(t, unsigned, b.dstuSeal)
	}
	return b.anchor.Seal(t, unsigned)
}

// list is the test's Trusted List with sequence number seq.
func (b *testBundle) list(seq int64) *trustlisttest.List {
	l := &trustlisttest.List{
		Territory: "UA", SchemeName: "Довірчий список (ДСТУ)", Sequence: seq,
		IssuedAt: b.now.Add(-time.Hour), NextUpdate: b.now.Add(24 * time.Hour),
		Providers: []trustlisttest.Provider{
			{Name: "КНЕДП «Тест»", Services: []trustlisttest.Service{
				{Type: trustlist.TypeCAQC, Name: "Кваліфікований ЦСК", Cert: b.signatures.Cert, Status: trustlist.StatusGranted, Since: b.t0,
					ASI: []string{trustlisttest.ForESignatures}, SupplyPoints: []string{"http://ca.test/crl"}},
				{Type: trustlist.TypeCAQC, Name: "ЦСК печаток", Cert: b.seals.Cert, Status: trustlist.StatusGranted, Since: b.t0,
					Qualifiers: []string{"http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/QCForESeal"}},
				{Type: trustlist.TypeOCSPQC, Name: "OCSP", Cert: b.ocsp.Cert, Status: trustlist.StatusGranted, Since: b.t0,
					SupplyPoints: []string{"http://ca.test/ocsp"}},
				{Type: trustlist.TypeTSAQC, Name: "TSP", Cert: b.tsa.Cert, Status: trustlist.StatusGranted, Since: b.t0,
					SupplyPoints: []string{"http://ca.test/tsp"}},
			}},
			{Name: "КНЕДП «Колишній»", Services: []trustlisttest.Service{
				{Type: trustlist.TypeCAQC, Name: "ЦСК", Cert: b.withdrawn.Cert, Status: trustlist.StatusWithdrawn, Since: b.t1,
					History: []trustlisttest.Status{{Status: trustlist.StatusGranted, Since: b.t0,
						ASI: []string{trustlisttest.ForESignatures, trustlisttest.ForESeals}}}},
			}},
		},
	}
	if b.dstuCA != nil {
		l.Providers[0].Services = append(l.Providers[0].Services, trustlisttest.Service{Type: trustlist.TypeCAQC, Name: "ЦСК (ДСТУ)",
			Cert: b.dstuCA.Certificate, Status: trustlist.StatusGranted, Since: b.t0, ASI: []string{trustlisttest.ForESignatures}})
	}
	return l
}

// sealed is list seq sealed by the bundle's anchor.
func (b *testBundle) sealed(t *testing.T, seq int64) []byte {
	t.Helper()
	return b.seal(t, b.list(seq).XML(t))
}

func TestImportAnswersFromTheHistory(t *testing.T) {
	t.Parallel()
	importAnswersFromTheHistory(t, setup(t, trustlisttest.NewCA(t, "ЦЗО (тест)", trustlisttest.Key(t, false))))
}

// importAnswersFromTheHistory imports the bundle's list and checks what
// lands: its CAs, their statuses and history, whatever sealed it.
func importAnswersFromTheHistory(t *testing.T, b *testBundle) {
	t.Helper()
	ctx := t.Context()
	dstuCAs := 0
	if b.dstuCA != nil {
		dstuCAs = 1
	}

	_, err := b.reg.QualifiedAt(ctx, b.signatures.Cert, b.now, trustlist.ForSignatures)
	require.ErrorIs(t, err, trustlist.ErrNoList)

	info, changed, err := b.reg.Import(ctx, b.sealed(t, 7), "test.xml")
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, "UA: Довірчий список (ДСТУ)", info.Scheme)
	require.EqualValues(t, 7, info.SequenceNumber)
	require.Equal(t, 2, info.Providers)
	require.Equal(t, 5+dstuCAs, info.Services)
	require.Equal(t, 3+dstuCAs, info.QualifiedCAs)

	s, err := b.reg.QualifiedAt(ctx, b.signatures.Cert, b.now, trustlist.ForSignatures)
	require.NoError(t, err)
	require.Equal(t, "КНЕДП «Тест»", s.Provider)
	require.Equal(t, "Кваліфікований ЦСК", s.Name)
	require.True(t, s.Granted())
	require.Equal(t, b.t0, s.Since.UTC())
	require.True(t, s.Until.IsZero())
	require.Equal(t, []string{"http://ca.test/crl"}, s.SupplyPoints)

	t.Run("UsageIsChecked", func(t *testing.T) {
		t.Parallel()
		_, err := b.reg.QualifiedAt(ctx, b.signatures.Cert, b.now, trustlist.ForSeals)
		require.ErrorIs(t, err, trustlist.ErrWrongUsage)
		s, err := b.reg.QualifiedAt(ctx, b.seals.Cert, b.now, trustlist.ForSeals)
		require.NoError(t, err, "the Qualifications extension's QCForESeal makes a CA for e-seals")
		require.Equal(t, []trustlist.Usage{trustlist.ForSeals}, s.Usages)
		_, err = b.reg.QualifiedAt(ctx, b.seals.Cert, b.now, trustlist.ForSignatures)
		require.ErrorIs(t, err, trustlist.ErrWrongUsage)
	})
	t.Run("GrantedThenWithdrawn", func(t *testing.T) {
		t.Parallel()
		s, err := b.reg.QualifiedAt(ctx, b.withdrawn.Cert, b.t1.Add(-time.Hour), trustlist.ForSeals)
		require.NoError(t, err, "a seal made while the service was granted stays valid")
		require.Equal(t, b.t0, s.Since.UTC())
		require.Equal(t, b.t1, s.Until.UTC())
		_, err = b.reg.QualifiedAt(ctx, b.withdrawn.Cert, b.t1.Add(time.Hour), trustlist.ForSignatures)
		require.ErrorIs(t, err, trustlist.ErrNotGranted)
		_, err = b.reg.QualifiedAt(ctx, b.withdrawn.Cert, b.t1, trustlist.ForSignatures)
		require.ErrorIs(t, err, trustlist.ErrNotGranted, "the withdrawal takes effect at its starting time")
		_, err = b.reg.QualifiedAt(ctx, b.signatures.Cert, b.t0.Add(-time.Second), trustlist.ForSignatures)
		require.ErrorIs(t, err, trustlist.ErrNotGranted, "before its first status a service was not granted")
	})
	t.Run("RootsAreTheQualifiedCAs", func(t *testing.T) {
		t.Parallel()
		pool, err := b.reg.Roots(ctx)
		require.NoError(t, err)
		leaf := trustlisttest.Issue(t, b.withdrawn, "Підписувач")
		_, err = leaf.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: b.now})
		require.NoError(t, err, "a withdrawn CA is still a root: its status is checked at the signing time")
		for _, c := range []*trustlisttest.CA{b.ocsp, b.tsa} {
			_, err = trustlisttest.Issue(t, c, "Підписувач").Verify(x509.VerifyOptions{Roots: pool, CurrentTime: b.now})
			require.Error(t, err, "an OCSP responder or a TSA is not a CA")
		}
	})
	t.Run("GrantedCAsInTheCallersTransaction", func(t *testing.T) {
		t.Parallel()
		granted := func(at time.Time, usage trustlist.Usage) []string {
			var names []string
			require.NoError(t, pgx.BeginTxFunc(ctx, b.db.App.Pool(), pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
				cs, err := trustlist.GrantedCAsTx(ctx, tx, at, usage)
				for _, c := range cs {
					names = append(names, c.Subject.CommonName)
				}
				return err
			}))
			slices.Sort(names)
			return names
		}
		wantSignatures := []string{"КНЕДП для підписів"}
		if b.dstuCA != nil {
			wantSignatures = append(wantSignatures, b.dstuCA.Certificate.Subject.CommonName)
			slices.Sort(wantSignatures)
		}
		require.Equal(t, wantSignatures, granted(b.now, trustlist.ForSignatures),
			"granted for signatures now: not the withdrawn CA, not the seals', not the OCSP responder or the TSA")
		require.Equal(t, []string{"КНЕДП для печаток"}, granted(b.now, trustlist.ForSeals))
		require.Contains(t, granted(b.t1.Add(-time.Hour), trustlist.ForSeals), "КНЕДП, що припинив діяльність", "granted before its withdrawal")
		require.Empty(t, granted(b.t0.Add(-time.Hour), trustlist.ForSignatures), "nothing was granted before the list's services began")

		tsas := func(at time.Time) (names []string) {
			require.NoError(t, pgx.BeginTxFunc(ctx, b.db.App.Pool(), pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
				cs, err := trustlist.GrantedTSAsTx(ctx, tx, at)
				for _, c := range cs {
					names = append(names, c.Subject.CommonName)
				}
				return err
			}))
			return names
		}
		require.Equal(t, []string{b.tsa.Cert.Subject.CommonName}, tsas(b.now), "the time-stamping service only")
		require.Empty(t, tsas(b.t0.Add(-time.Hour)), "not before its service began")
	})
	t.Run("OnlyQualifiedCAs", func(t *testing.T) {
		t.Parallel()
		for _, c := range []*x509.Certificate{b.ocsp.Cert, b.tsa.Cert, b.anchorCert(), trustlisttest.NewCA(t, "Сторонній ЦСК", trustlisttest.Key(t, false)).Cert} {
			_, err := b.reg.QualifiedAt(ctx, c, b.now, trustlist.ForSignatures)
			require.ErrorIs(t, err, trustlist.ErrNotListed, c.Subject.CommonName)
		}
	})
	t.Run("ResealedWithTheSameNumberIsStale", func(t *testing.T) {
		t.Parallel()
		again, changed, err := b.reg.Import(ctx, b.sealed(t, 7), "again.xml")
		require.ErrorIs(t, err, trustlist.ErrStale, "the same sequence number with other bytes (an ECDSA seal is new each time) is refused")
		require.Nil(t, again)
		require.False(t, changed)
	})
}

func TestSameBytesTwiceIsANoOp(t *testing.T) {
	t.Parallel()
	b := setup(t, trustlisttest.NewCA(t, "ЦЗО (тест)", trustlisttest.Key(t, false)))
	raw := b.sealed(t, 3)
	_, changed, err := b.reg.Import(t.Context(), raw, "a.xml")
	require.NoError(t, err)
	require.True(t, changed)
	_, changed, err = b.reg.Import(t.Context(), raw, "a.xml")
	require.NoError(t, err)
	require.False(t, changed)
}

func TestRefusedListsKeepTheLastGoodOne(t *testing.T) {
	t.Parallel()
	b := setup(t, trustlisttest.NewCA(t, "ЦЗО (тест)", trustlisttest.Key(t, false)))
	ctx := t.Context()
	_, _, err := b.reg.Import(ctx, b.sealed(t, 10), "good.xml")
	require.NoError(t, err)

	next := b.sealed(t, 11)
	certB64 := base64.StdEncoding.EncodeToString(b.signatures.Cert.Raw)
	for name, tampered := range map[string][]byte{
		// One byte of a service's certificate.
		"Certificate": bytes.Replace(next, []byte(certB64), []byte(flipOne(certB64)), 1),
		// A withdrawn service shown as granted.
		"Status": bytes.Replace(next, []byte(trustlist.StatusWithdrawn), []byte(trustlist.StatusGranted), 1),
		// Sealed by another key.
		"OtherKey": trustlisttest.NewCA(t, "Підробка", trustlisttest.Key(t, false)).Seal(t, b.list(11).XML(t)),
		// Not sealed at all.
		"Unsealed": b.list(11).XML(t),
	} {
		require.NotEqual(t, next, tampered, name)
		_, _, err := b.reg.Import(ctx, tampered, name)
		require.ErrorIs(t, err, trustlist.ErrSeal, name)
	}
	ls, err := b.reg.Lists(ctx)
	require.NoError(t, err)
	require.Len(t, ls, 1)
	require.EqualValues(t, 10, ls[0].SequenceNumber)
	require.Equal(t, "good.xml", ls[0].Source)
	_, err = b.reg.QualifiedAt(ctx, b.withdrawn.Cert, b.now, trustlist.ForSignatures)
	require.ErrorIs(t, err, trustlist.ErrNotGranted, "the tampered status did not get in")

	_, _, err = b.reg.Import(ctx, b.sealed(t, 9), "older.xml")
	require.ErrorIs(t, err, trustlist.ErrStale)
	_, changed, err := b.reg.Import(ctx, next, "next.xml")
	require.NoError(t, err)
	require.True(t, changed)
}

// flipOne changes one character in the middle of a base64 text, to another
// base64 character.
func flipOne(s string) string {
	i := len(s) / 2
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

func TestRSAAnchor(t *testing.T) {
	t.Parallel()
	b := setup(t, trustlisttest.NewCA(t, "ЦЗО (RSA)", trustlisttest.Key(t, true)))
	_, _, err := b.reg.Import(t.Context(), b.sealed(t, 1), "rsa.xml")
	require.NoError(t, err)
}

func TestNoAnchorRefusesEveryList(t *testing.T) {
	t.Parallel()
	b := setup(t, trustlisttest.NewCA(t, "ЦЗО (тест)", trustlisttest.Key(t, false)))
	reg := trustlist.New(tenanttest.New(t).App.Pool(), nil)
	_, _, err := reg.Import(t.Context(), b.sealed(t, 1), "x.xml")
	require.ErrorIs(t, err, trustlist.ErrNoAnchor)
}

func TestHealth(t *testing.T) {
	t.Parallel()
	b := setup(t, trustlisttest.NewCA(t, "ЦЗО (тест)", trustlisttest.Key(t, false)))
	ctx := t.Context()
	h, err := b.reg.Health(ctx)
	require.NoError(t, err)
	require.Equal(t, "none", h.State)

	_, _, err = b.reg.Import(ctx, b.sealed(t, 1), "a.xml")
	require.NoError(t, err)
	h, err = b.reg.Health(ctx)
	require.NoError(t, err)
	require.Equal(t, "ok", h.State)
	require.Equal(t, time.Hour, h.Age)

	b.now = b.now.Add(25 * time.Hour) // past NextUpdate, and no newer list came
	h, err = b.reg.Health(ctx)
	require.NoError(t, err)
	require.Equal(t, "stale", h.State)
	require.Equal(t, 26*time.Hour, h.Age)
	require.Equal(t, []string{"UA: Довірчий список (ДСТУ)"}, h.Overdue)
}

func TestParseAnchors(t *testing.T) {
	t.Parallel()
	a := trustlisttest.NewCA(t, "A", trustlisttest.Key(t, false))
	c := trustlisttest.NewCA(t, "B", trustlisttest.Key(t, false))
	got, err := trustlist.ParseAnchors(append(a.PEM(), c.PEM()...))
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.True(t, got[1].Equal(c.Cert))
	_, err = trustlist.ParseAnchors([]byte(strings.Repeat("not pem\n", 3)))
	require.Error(t, err)
}

// Two imports of the same new list at once (two workers): one imports it,
// the other finds it in force.
func TestConcurrentImports(t *testing.T) {
	t.Parallel()
	b := setup(t, trustlisttest.NewCA(t, "ЦЗО (тест)", trustlisttest.Key(t, false)))
	raw := b.sealed(t, 1)
	var wg sync.WaitGroup
	changed := make([]bool, 4)
	errs := make([]error, 4)
	for i := range changed {
		wg.Go(func() { _, changed[i], errs[i] = b.reg.Import(t.Context(), raw, "x.xml") })
	}
	wg.Wait()
	n := 0
	for i := range changed {
		require.NoError(t, errs[i])
		if changed[i] {
			n++
		}
	}
	require.Equal(t, 1, n)
}
