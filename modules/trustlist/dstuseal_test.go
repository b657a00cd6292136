package trustlist_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/require"

	"hromada/modules/signature/kupyna"
	"hromada/modules/trustlist"
	"hromada/modules/trustlist/trustlisttest"
)

// A list sealed with ДСТУ 4145 (TL-UA-DSTU.xml) lands as the ECDSA-sealed
// one does, with ГОСТ 34.311 (the key's ДКЕ) or Купина-256, r‖s bare or
// in an OCTET STRING, and its ДСТУ CA is answered for.
func TestDSTUSealedListImports(t *testing.T) {
	t.Parallel()
	for name, o := range map[string]*trustlisttest.DSTUSeal{
		"GOST34311": nil,
		"Kupyna256": {SignatureMethod: trustlisttest.DSTUWithKupyna, DigestMethod: trustlisttest.DigestKupyna, Wrapped: true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setupDSTU(t, trustlisttest.NewDSTUCA(t, "ЦЗО (ДСТУ)"), o)
			importAnswersFromTheHistory(t, b)
			s, err := b.reg.QualifiedAt(t.Context(), b.dstuCA.Certificate, b.now, trustlist.ForSignatures)
			require.NoError(t, err)
			require.Equal(t, "ЦСК (ДСТУ)", s.Name)
			require.True(t, s.Granted())
		})
	}
}

// Every spelling of the ДСТУ algorithms seen in containers in use imports;
// any other is refused with its URI named, and changes nothing.
func TestDSTUSealSpellings(t *testing.T) {
	t.Parallel()
	b := setupDSTU(t, trustlisttest.NewDSTUCA(t, "ЦЗО (ДСТУ)"), nil)
	ctx := t.Context()
	seq := int64(0)
	importWith := func(o *trustlisttest.DSTUSeal) error {
		seq++
		_, _, err := b.reg.Import(ctx, b.dstuAnchor.Seal(t, b.list(seq).XML(t), o), "spelling.xml")
		return err
	}
	for _, o := range []*trustlisttest.DSTUSeal{
		{SignatureMethod: "http://www.w3.org/2001/04/xmldsig-more#dstu4145-gost34311"},
		{SignatureMethod: "http://www.w3.org/2001/04/xmldsig-more#dstu4145"},
		{SignatureMethod: "http://www.w3.org/2001/04/xmldsig-more#dstu4145-dstu7564-256"},
		{SignatureMethod: "http://www.w3.org/2001/04/xmldsig-more#dstu4145-kupyna256"},
		{DigestMethod: "http://www.w3.org/2001/04/xmlenc#gost34311"},
		{DigestMethod: "http://www.w3.org/2001/04/xmldsig-more#gost34311"},
		{DigestMethod: "http://www.w3.org/2001/04/xmlenc#dstu7564-256"},
		{DigestMethod: "http://www.w3.org/2001/04/xmldsig-more#dstu7564-256"},
		{DigestMethod: "http://www.w3.org/2001/04/xmldsig-more#kupyna256"},
		{DigestMethod: "http://www.w3.org/2001/04/xmlenc#kupyna256"},
		// The other canonicalisations goxmldsig has, and "#Id" for the list.
		{Canonicalization: "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"},
		{Canonicalization: "http://www.w3.org/2006/12/xml-c14n11", URI: "#TrustServiceStatusList-12"},
	} {
		require.NoError(t, importWith(o), "%+v", o)
	}
	for _, o := range []*trustlisttest.DSTUSeal{
		{SignatureMethod: "http://www.w3.org/2001/04/xmldsig-more#dstu4145-kupyna"},
		{SignatureMethod: "http://www.w3.org/2001/04/xmldsig-more#DSTU4145-GOST34311"},
		{DigestMethod: "http://www.w3.org/2001/04/xmlenc#gost34311-2009"},
		{DigestMethod: "http://www.w3.org/2001/04/xmlenc#sha256"},
	} {
		uri := o.SignatureMethod + o.DigestMethod
		err := importWith(o)
		require.ErrorIs(t, err, trustlist.ErrSealAlgorithm, uri)
		require.ErrorContains(t, err, uri)
	}
	ls, err := b.reg.Lists(ctx)
	require.NoError(t, err)
	require.Len(t, ls, 1)
	require.EqualValues(t, 12, ls[0].SequenceNumber, "the last good list stays")
}

// A ДСТУ-sealed list changed after sealing, or sealed by another key, or
// made to point its seal at something else, is refused; the last good
// list stays in force.
func TestDSTUSealRefusesTampering(t *testing.T) {
	t.Parallel()
	anchor := trustlisttest.NewDSTUCA(t, "ЦЗО (ДСТУ)")
	b := setupDSTU(t, anchor, nil)
	ctx := t.Context()
	_, _, err := b.reg.Import(ctx, b.sealed(t, 10), "good.xml")
	require.NoError(t, err)

	next := b.sealed(t, 11)
	byID := b.dstuAnchor.Seal(t, b.list(11).XML(t), &trustlisttest.DSTUSeal{URI: "#TrustServiceStatusList-11"})
	withComments := b.dstuAnchor.Seal(t, b.list(11).XML(t), &trustlisttest.DSTUSeal{Canonicalization: "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"})
	kupynaDigest := func(d []byte) []byte { s := kupyna.Sum256(d); return s[:] }
	for name, tampered := range map[string][]byte{
		// A withdrawn service shown as granted.
		"Status": bytes.Replace(next, []byte(trustlist.StatusWithdrawn), []byte(trustlist.StatusGranted), 1),
		// A comment, where the canonicalisation keeps them.
		"CommentWithComments": bytes.Replace(withComments, []byte("<tsl:TSPServices>"), []byte("<tsl:TSPServices><!-- змінено -->"), 1),
		// One space more in a text, and a line more between elements.
		"SpaceInText":    bytes.Replace(next, []byte("КНЕДП «Тест»"), []byte("КНЕДП  «Тест»"), 1),
		"LineBetween":    bytes.Replace(next, []byte("<tsl:TSPServices>"), []byte("<tsl:TSPServices>\n"), 1),
		"SigningTime":    setText(t, next, "SigningTime", "2020-01-01T00:00:00Z"),
		"WrongAnchor":    trustlisttest.NewDSTUCA(t, "Підробка").Seal(t, b.list(11).XML(t), nil),
		"ECDSAStranger":  trustlisttest.NewCA(t, "Підробка", trustlisttest.Key(t, false)).Seal(t, b.list(11).XML(t)),
		"SwappedValue":   setText(t, next, "SignatureValue", text(t, b.sealed(t, 12), "SignatureValue")),
		"EmptyValue":     setText(t, next, "SignatureValue", ""),
		"DigestOfKupyna": anchor.Seal(t, b.list(11).XML(t), &trustlisttest.DSTUSeal{Digest: kupynaDigest}),
		"EmptyDigest":    anchor.Seal(t, b.list(11).XML(t), &trustlisttest.DSTUSeal{Digest: func([]byte) []byte { return nil }}),
		"External":       anchor.Seal(t, b.list(11).XML(t), &trustlisttest.DSTUSeal{ExtraURI: "http://attacker.test/list.xml"}),
		"OtherElement":   anchor.Seal(t, b.list(11).XML(t), &trustlisttest.DSTUSeal{ExtraURI: "#TrustServiceStatusList-11"}),
		"TwoSignatures":  twoSignatures(t, next),
		// The SignedProperties' Id given twice (a second Object, outside
		// every digest): a Reference must resolve to one element.
		"DuplicateId": duplicateObject(t, next),
		"Unsealed":    b.list(11).XML(t),
		// Signature wrapping: the list changed, the signed original kept
		// in the seal's Object or beside the list, with its Id.
		"WrappedInObject": wrap(t, byID, true),
		"WrappedInList":   wrap(t, byID, false),
		"WrappedURIEmpty": wrap(t, next, true),
		// The changed list renamed, so the Reference's Id finds the copy.
		"WrappedRenamed": renamed(t, wrap(t, byID, true)),
	} {
		require.NotEqual(t, next, tampered, name)
		_, _, err := b.reg.Import(ctx, tampered, name)
		require.ErrorIs(t, err, trustlist.ErrSeal, name)
	}
	ls, err := b.reg.Lists(ctx)
	require.NoError(t, err)
	require.Len(t, ls, 1)
	require.EqualValues(t, 10, ls[0].SequenceNumber)
	_, err = b.reg.QualifiedAt(ctx, b.withdrawn.Cert, b.now, trustlist.ForSignatures)
	require.ErrorIs(t, err, trustlist.ErrNotGranted, "the tampered status did not get in")

	_, changed, err := b.reg.Import(ctx, byID, "next.xml")
	require.NoError(t, err)
	require.True(t, changed)
}

// With the canonicalisation a list is sealed with (exclusive c14n without
// comments) a comment is outside what is signed: XML-DSig lets it be
// added, and what is parsed is the canonical form, without it. So a
// comment cutting a status in two cannot make a reader see half of it
// (the truncation attack on SAML libraries that read the first text node).
func TestDSTUSealCommentIsNotRead(t *testing.T) {
	t.Parallel()
	b := setupDSTU(t, trustlisttest.NewDSTUCA(t, "ЦЗО (ДСТУ)"), nil)
	ctx := t.Context()
	withdrawn := []byte(trustlist.StatusWithdrawn)
	cut := append(append(withdrawn[:len(withdrawn)-5:len(withdrawn)-5], "<!---->"...), withdrawn[len(withdrawn)-5:]...)
	commented := bytes.Replace(b.sealed(t, 1), withdrawn, cut, 1)
	require.Contains(t, string(commented), "Svcstatus/with<!---->drawn")
	_, _, err := b.reg.Import(ctx, commented, "commented.xml")
	require.NoError(t, err)
	s, err := b.reg.QualifiedAt(ctx, b.withdrawn.Cert, b.t1.Add(-time.Hour), trustlist.ForSignatures)
	require.NoError(t, err)
	require.Equal(t, b.t1, s.Until.UTC(), "the withdrawal was read whole")
	_, err = b.reg.QualifiedAt(ctx, b.withdrawn.Cert, b.now, trustlist.ForSignatures)
	require.ErrorIs(t, err, trustlist.ErrNotGranted)
}

// The shape the ДСТУ seal is made in (XAdES, two References, exclusive
// c14n) is XML-DSig as another implementation reads it: the same seal made
// with ECDSA verifies with xmlsec1, which checks every Reference, and a
// changed SigningTime fails it.
func TestXAdESShapeVerifiesWithXmlsec1(t *testing.T) {
	t.Parallel()
	xmlsec, err := exec.LookPath("xmlsec1")
	require.NoError(t, err, "xmlsec1 is missing: run make deps")
	anchor := trustlisttest.NewCA(t, "ЦЗО (ECDSA)", trustlisttest.Key(t, false))
	now := time.Now().UTC().Truncate(time.Second)
	b := &testBundle{anchor: anchor, now: now, t0: now.Add(-48 * time.Hour), t1: now.Add(-time.Hour)}
	ca := trustlisttest.NewCA(t, "КНЕДП", trustlisttest.Key(t, false))
	b.signatures, b.seals, b.withdrawn, b.ocsp, b.tsa = ca, ca, ca, ca, ca
	dir := t.TempDir()
	pemFile := filepath.Join(dir, "anchor.pem")
	require.NoError(t, os.WriteFile(pemFile, anchor.PEM(), 0o600))
	verify := func(list []byte) (string, error) {
		f := filepath.Join(dir, "tl.xml")
		require.NoError(t, os.WriteFile(f, list, 0o600))
		out, err := exec.CommandContext(t.Context(), xmlsec, "--verify",
			"--id-attr:Id", "http://uri.etsi.org/02231/v2#:TrustServiceStatusList",
			"--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
			"--pubkey-cert-pem", pemFile, f).CombinedOutput()
		return string(out), err
	}
	sealed := anchor.SealXAdES(t, b.list(1).XML(t))
	out, err := verify(sealed)
	require.NoError(t, err, out)
	require.Contains(t, out, "SignedInfo References (ok/all): 2/2", "both the list and the SignedProperties")
	out, err = verify(setText(t, sealed, "SigningTime", "2020-01-01T00:00:00Z"))
	require.Error(t, err)
	require.Contains(t, out, "SignedInfo References (ok/all): 1/2", "the SignedProperties' digest fails")
}

func TestRefreshImportsADSTUSealedList(t *testing.T) {
	t.Parallel()
	b := setupDSTU(t, trustlisttest.NewDSTUCA(t, "ЦЗО (ДСТУ)"), nil)
	ctx := t.Context()
	pub := &publisher{}
	srv := httptest.NewServer(pub)
	t.Cleanup(srv.Close)
	w := &trustlist.RefreshWorker{Register: b.reg, URLs: []string{srv.URL + "/TL-UA-DSTU.xml"}, Metrics: trustlist.NewMetrics(b.reg)}
	sequence := func() int64 {
		t.Helper()
		ls, err := b.reg.Lists(ctx)
		require.NoError(t, err)
		require.Len(t, ls, 1)
		return ls[0].SequenceNumber
	}
	pub.set(http.StatusOK, b.sealed(t, 1))
	require.NoError(t, w.Work(ctx, nil))
	require.EqualValues(t, 1, sequence())

	pub.set(http.StatusOK, bytes.Replace(b.sealed(t, 2), []byte(trustlist.StatusWithdrawn), []byte(trustlist.StatusGranted), 1))
	require.ErrorIs(t, w.Work(ctx, nil), trustlist.ErrSeal)
	require.EqualValues(t, 1, sequence())

	pub.set(http.StatusOK, b.sealed(t, 2))
	require.NoError(t, w.Work(ctx, nil))
	require.EqualValues(t, 2, sequence())
	_, err := b.reg.QualifiedAt(ctx, b.dstuCA.Certificate, b.now, trustlist.ForSignatures)
	require.NoError(t, err)
}

// text is the text of the first element named tag in a list.
func text(t *testing.T, list []byte, tag string) string {
	t.Helper()
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromBytes(list))
	el := doc.FindElement("//" + tag)
	require.NotNil(t, el, tag)
	return el.Text()
}

// setText sets the text of the first element named tag in a list.
func setText(t *testing.T, list []byte, tag, value string) []byte {
	t.Helper()
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromBytes(list))
	el := doc.FindElement("//" + tag)
	require.NotNil(t, el, tag)
	el.SetText(value)
	b, err := doc.WriteToBytes()
	require.NoError(t, err)
	return b
}

// twoSignatures adds a copy of the list's seal beside it.
func twoSignatures(t *testing.T, list []byte) []byte {
	t.Helper()
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromBytes(list))
	sig := doc.Root().SelectElement("Signature")
	require.NotNil(t, sig)
	cp := sig.Copy()
	cp.RemoveAttr("Id")
	doc.Root().AddChild(cp)
	b, err := doc.WriteToBytes()
	require.NoError(t, err)
	return b
}

// duplicateObject adds a copy of the seal's Object (its SignedProperties
// and their Id) to the seal.
func duplicateObject(t *testing.T, list []byte) []byte {
	t.Helper()
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromBytes(list))
	sig := doc.Root().SelectElement("Signature")
	sig.AddChild(sig.SelectElement("Object").Copy())
	b, err := doc.WriteToBytes()
	require.NoError(t, err)
	return b
}

// renamed gives the list another Id.
func renamed(t *testing.T, list []byte) []byte {
	t.Helper()
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromBytes(list))
	doc.Root().CreateAttr("Id", "TrustServiceStatusList-evil")
	b, err := doc.WriteToBytes()
	require.NoError(t, err)
	return b
}

// wrap is signature wrapping: the list's first withdrawn service shown as
// granted, with the list as signed kept (without its seal) inside the
// seal's Object, or as the list's last child.
func wrap(t *testing.T, list []byte, inObject bool) []byte {
	t.Helper()
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromBytes(list))
	root := doc.Root()
	sig := root.SelectElement("Signature")
	orig := root.Copy()
	orig.RemoveChildAt(sig.Index())
	for _, st := range root.FindElements("//ServiceStatus") {
		if strings.TrimSpace(st.Text()) == trustlist.StatusWithdrawn {
			st.SetText(trustlist.StatusGranted)
			break
		}
	}
	if inObject {
		sig.SelectElement("Object").AddChild(orig)
	} else {
		root.AddChild(orig)
	}
	b, err := doc.WriteToBytes()
	require.NoError(t, err)
	return b
}

// One anchor file holds the ECDSA anchor of TL-UA.xml and the ДСТУ one of
// TL-UA-DSTU.xml; each list verifies with its own.
func TestBothAnchorsInOneFile(t *testing.T) {
	t.Parallel()
	ecdsaAnchor := trustlisttest.NewCA(t, "ЦЗО (ECDSA)", trustlisttest.Key(t, false))
	dstuAnchor := trustlisttest.NewDSTUCA(t, "ЦЗО (ДСТУ)")
	anchors, err := trustlist.ParseAnchors(append(ecdsaAnchor.PEM(), dstuAnchor.PEM()...))
	require.NoError(t, err)
	require.Len(t, anchors, 2)
	require.True(t, anchors[1].Equal(dstuAnchor.Certificate))

	b := setupDSTU(t, dstuAnchor, nil)
	reg := trustlist.New(b.db.App.Pool(), &trustlist.Options{Anchors: anchors, Now: func() time.Time { return b.now }})
	_, _, err = reg.Import(t.Context(), b.sealed(t, 1), "TL-UA-DSTU.xml")
	require.NoError(t, err)
	_, _, err = reg.Import(t.Context(), ecdsaAnchor.Seal(t, b.list(2).XML(t)), "TL-UA.xml")
	require.NoError(t, err)
}
