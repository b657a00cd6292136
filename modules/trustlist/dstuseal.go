package trustlist

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"

	"hromada/modules/signature"
)

// The namespaces of an XML-DSig seal and of its XAdES properties
// (SignedProperties stays in the v1.3.2 namespace in XAdES 1.4.1 too).
const (
	nsDSig    = "http://www.w3.org/2000/09/xmldsig#"
	nsXAdES   = "http://uri.etsi.org/01903/v1.3.2#"
	nsExcC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
)

// dstuSignatureMethods are the SignatureMethod URIs of a ДСТУ 4145 seal,
// each with the hash its SignedInfo is hashed by. No standard names them:
// these are the spellings found in Diia's ASiC-E containers (recorded by
// the "tamga" implementation), matched exactly, never by substring. A
// spelling not here is refused with ErrSealAlgorithm naming it.
var dstuSignatureMethods = map[string]signature.DSTUHash{
	"http://www.w3.org/2001/04/xmldsig-more#dstu4145-gost34311":    signature.GOST34311,
	"http://www.w3.org/2001/04/xmldsig-more#dstu4145":              signature.GOST34311,
	"http://www.w3.org/2001/04/xmldsig-more#dstu4145-dstu7564-256": signature.Kupyna256,
	"http://www.w3.org/2001/04/xmldsig-more#dstu4145-kupyna256":    signature.Kupyna256,
}

// dstuDigestMethods are the DigestMethod URIs of a ДСТУ seal's references,
// from the same containers, with the same caveat.
var dstuDigestMethods = map[string]signature.DSTUHash{
	"http://www.w3.org/2001/04/xmlenc#gost34311":          signature.GOST34311,
	"http://www.w3.org/2001/04/xmldsig-more#gost34311":    signature.GOST34311,
	"http://www.w3.org/2001/04/xmlenc#dstu7564-256":       signature.Kupyna256,
	"http://www.w3.org/2001/04/xmldsig-more#dstu7564-256": signature.Kupyna256,
	"http://www.w3.org/2001/04/xmldsig-more#kupyna256":    signature.Kupyna256,
	"http://www.w3.org/2001/04/xmlenc#kupyna256":          signature.Kupyna256,
}

// dstuSeal is the root's enveloped ds:Signature when its method is a ДСТУ
// one (else nil: the seal is goxmldsig's to check). A list with a ДСТУ
// seal must have exactly one.
func dstuSeal(root *etree.Element) (*etree.Element, error) {
	var sig *etree.Element
	sigs := children(root, nsDSig, "Signature")
	for _, s := range sigs {
		for _, si := range children(s, nsDSig, "SignedInfo") {
			for _, sm := range children(si, nsDSig, "SignatureMethod") {
				if _, found := dstuSignatureMethods[sm.SelectAttrValue("Algorithm", "")]; found {
					sig = s
				}
			}
		}
	}
	if sig != nil && len(sigs) != 1 {
		return nil, ErrSeal.Wrap(fmt.Errorf("%d Signature elements in the list, want one", len(sigs)))
	}
	return sig, nil
}

// verifyDSTUSeal is XML-DSig core validation for a seal made with ДСТУ
// 4145, which goxmldsig cannot be taught (it has no extension point for a
// signature method): SignedInfo canonicalised and verified with the key
// of a pinned anchor, then every Reference it signs checked. It returns
// the canonical bytes of the list without its seal, the only bytes parsed
// afterwards, as goxmldsig's Validate does for the other lists.
func (r *Register) verifyDSTUSeal(root, sig *etree.Element) ([]byte, error) {
	si, err := only(sig, "SignedInfo")
	if err != nil {
		return nil, err
	}
	sm, err := only(si, "SignatureMethod")
	if err != nil {
		return nil, err
	}
	sigHash, ok := dstuSignatureMethods[sm.SelectAttrValue("Algorithm", "")]
	if !ok {
		return nil, unknownAlgorithm("signature method", sm.SelectAttrValue("Algorithm", ""))
	}
	cm, err := only(si, "CanonicalizationMethod")
	if err != nil {
		return nil, err
	}
	canon, err := canonicalizer(cm)
	if err != nil {
		return nil, err
	}
	signedInfo, err := c14n(si, canon)
	if err != nil {
		return nil, err
	}
	sv, err := only(sig, "SignatureValue")
	if err != nil {
		return nil, err
	}
	value, err := base64.StdEncoding.DecodeString(compact(sv.Text()))
	if err != nil || len(value) == 0 {
		return nil, ErrSeal.Wrap(fmt.Errorf("SignatureValue is not base64 (%v)", err))
	}
	// The anchor is pinned as a whole certificate: its key is tried, not
	// whatever KeyInfo carries.
	var key *signature.DSTUKey
	now := r.now()
	for _, a := range r.anchors {
		if now.Before(a.NotBefore) || now.After(a.NotAfter) {
			continue
		}
		k, err := signature.NewDSTUKey(a)
		if err != nil {
			continue // not a ДСТУ anchor (or one that cannot be read)
		}
		if k.Verify(k.Sum(sigHash, signedInfo), value) {
			key = k
			break
		}
	}
	if key == nil {
		return nil, ErrSeal.Wrap(errors.New("the ДСТУ 4145 seal does not verify with any anchor valid now"))
	}

	// SignedInfo is the anchor's; now what it signs. An Id given to two
	// elements would let a Reference point at a copy (signature wrapping).
	ids, err := idsOf(root)
	if err != nil {
		return nil, err
	}
	rootID := root.SelectAttrValue("Id", "")
	var list []byte
	for _, ref := range si.ChildElements() {
		if ref.NamespaceURI() != nsDSig || ref.Tag != "Reference" {
			continue // CanonicalizationMethod, SignatureMethod
		}
		uri := ref.SelectAttr("URI")
		var data []byte
		switch {
		case uri == nil:
			return nil, ErrSeal.Wrap(errors.New("a Reference without URI"))
		case uri.Value == "" || rootID != "" && uri.Value == "#"+rootID:
			if list != nil {
				return nil, ErrSeal.Wrap(errors.New("two References to the list"))
			}
			if list, err = withoutSeal(root, sig, ref); err != nil {
				return nil, err
			}
			data = list
		case len(uri.Value) > 1 && uri.Value[0] == '#' && isSignedProperties(ids[uri.Value[1:]], sig):
			c, err := transforms(ref, false)
			if err != nil {
				return nil, err
			}
			if data, err = c14n(ids[uri.Value[1:]], c); err != nil {
				return nil, err
			}
		default:
			return nil, ErrSeal.Wrap(fmt.Errorf("a Reference to %q: neither the list nor the seal's SignedProperties", uri.Value))
		}
		if err := checkDigest(ref, key, data); err != nil {
			return nil, err
		}
	}
	if list == nil {
		return nil, ErrSeal.Wrap(errors.New("no Reference to the list"))
	}
	return list, nil
}

// withoutSeal applies a Reference to the list's transforms: the enveloped
// signature removed from a copy of root, then canonicalised.
func withoutSeal(root, sig *etree.Element, ref *etree.Element) ([]byte, error) {
	canon, err := transforms(ref, true)
	if err != nil {
		return nil, err
	}
	cp := root.Copy()
	cp.RemoveChildAt(sig.Index())
	return canon.Canonicalize(cp)
}

// transforms reads a Reference's Transforms: the enveloped-signature
// transform first when enveloped (the list's Reference must have it), then
// at most one canonicalisation. Nothing else is run: XPath and XSLT
// transforms are how XML-DSig verifiers are attacked, and no list uses them.
// Without a canonicalisation, XML-DSig turns the node-set into octets with
// inclusive c14n 1.0.
func transforms(ref *etree.Element, enveloped bool) (dsig.Canonicalizer, error) {
	var canon dsig.Canonicalizer
	stripped := false
	for _, ts := range children(ref, nsDSig, "Transforms") {
		for _, t := range ts.ChildElements() {
			alg := t.SelectAttrValue("Algorithm", "")
			switch {
			case t.NamespaceURI() != nsDSig || t.Tag != "Transform":
				return nil, ErrSeal.Wrap(fmt.Errorf("an element %q among the Transforms", t.Tag))
			case alg == string(dsig.EnvelopedSignatureAltorithmId) && enveloped && !stripped && canon == nil:
				stripped = true
			case canon == nil:
				c, err := canonicalizer(t)
				if err != nil {
					return nil, err
				}
				canon = c
			default:
				return nil, unknownAlgorithm("transform (at that place)", alg)
			}
		}
	}
	if enveloped && !stripped {
		return nil, ErrSeal.Wrap(errors.New("the list's Reference has no enveloped-signature transform"))
	}
	if canon == nil {
		canon = dsig.MakeC14N10RecCanonicalizer()
	}
	return canon, nil
}

// canonicalizer is the canonicalisation an element's Algorithm names, of
// those goxmldsig implements, with the exclusive c14n's InclusiveNamespaces
// prefix list.
func canonicalizer(el *etree.Element) (dsig.Canonicalizer, error) {
	prefixes := ""
	if inc := children(el, nsExcC14N, "InclusiveNamespaces"); len(inc) == 1 {
		prefixes = inc[0].SelectAttrValue("PrefixList", "")
	}
	switch alg := el.SelectAttrValue("Algorithm", ""); dsig.AlgorithmID(alg) {
	case dsig.CanonicalXML10ExclusiveAlgorithmId:
		return dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(prefixes), nil
	case dsig.CanonicalXML10ExclusiveWithCommentsAlgorithmId:
		return dsig.MakeC14N10ExclusiveWithCommentsCanonicalizerWithPrefixList(prefixes), nil
	case dsig.CanonicalXML10RecAlgorithmId:
		return dsig.MakeC14N10RecCanonicalizer(), nil
	case dsig.CanonicalXML10WithCommentsAlgorithmId:
		return dsig.MakeC14N10WithCommentsCanonicalizer(), nil
	case dsig.CanonicalXML11AlgorithmId:
		return dsig.MakeC14N11Canonicalizer(), nil
	case dsig.CanonicalXML11WithCommentsAlgorithmId:
		return dsig.MakeC14N11WithCommentsCanonicalizer(), nil
	default:
		return nil, unknownAlgorithm("canonicalisation", alg)
	}
}

// c14n canonicalises el where it stands: a copy carrying the namespaces
// declared on its ancestors (which a canonical form of a nested element
// needs), canonicalised by canon.
func c14n(el *etree.Element, canon dsig.Canonicalizer) ([]byte, error) {
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		return nil, ErrSeal.Wrap(err)
	}
	detached, err := etreeutils.NSDetatch(ctx, el)
	if err != nil {
		return nil, ErrSeal.Wrap(err)
	}
	b, err := canon.Canonicalize(detached)
	if err != nil {
		return nil, ErrSeal.Wrap(err)
	}
	return b, nil
}

// checkDigest compares a Reference's DigestValue with data's digest by its
// DigestMethod, in constant time. An empty value never matches.
func checkDigest(ref *etree.Element, key *signature.DSTUKey, data []byte) error {
	dm, err := only(ref, "DigestMethod")
	if err != nil {
		return err
	}
	alg := dm.SelectAttrValue("Algorithm", "")
	h, ok := dstuDigestMethods[alg]
	if !ok {
		return unknownAlgorithm("digest method", alg)
	}
	dv, err := only(ref, "DigestValue")
	if err != nil {
		return err
	}
	want, err := base64.StdEncoding.DecodeString(compact(dv.Text()))
	if err != nil || len(want) == 0 {
		return ErrSeal.Wrap(fmt.Errorf("DigestValue of %q is empty or not base64", ref.SelectAttrValue("URI", "")))
	}
	if subtle.ConstantTimeCompare(key.Sum(h, data), want) != 1 {
		return ErrSeal.Wrap(fmt.Errorf("the digest of %q does not match", ref.SelectAttrValue("URI", "")))
	}
	return nil
}

// isSignedProperties reports whether el is the XAdES SignedProperties of
// sig: Signature/Object/QualifyingProperties/SignedProperties.
func isSignedProperties(el, sig *etree.Element) bool {
	if el == nil || el.Tag != "SignedProperties" || el.NamespaceURI() != nsXAdES {
		return false
	}
	qp := el.Parent()
	if qp == nil || qp.Tag != "QualifyingProperties" || qp.NamespaceURI() != nsXAdES {
		return false
	}
	obj := qp.Parent()
	return obj != nil && obj.Tag == "Object" && obj.NamespaceURI() == nsDSig && obj.Parent() == sig
}

// idsOf maps every Id in the document to its element. Id, ID, id and
// xml:id are all counted as one name space: an id given twice, under any
// of them, is refused, so no Reference can be made to resolve to a copy.
func idsOf(root *etree.Element) (map[string]*etree.Element, error) {
	ids := map[string]*etree.Element{}
	var walk func(*etree.Element) error
	walk = func(el *etree.Element) error {
		for _, a := range el.Attr {
			isID := a.Space == "" && (a.Key == "Id" || a.Key == "ID" || a.Key == "id") || a.Space == "xml" && a.Key == "id"
			if !isID {
				continue
			}
			if _, dup := ids[a.Value]; dup {
				return ErrSeal.Wrap(fmt.Errorf("the id %q is given twice", a.Value))
			}
			ids[a.Value] = el
		}
		for _, c := range el.ChildElements() {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	return ids, walk(root)
}

// unknownAlgorithm refuses a seal for an algorithm URI not known here,
// naming it, so an operator can report a new spelling.
func unknownAlgorithm(what, uri string) error {
	return ErrSealAlgorithm.With(map[string]any{"Algorithm": uri}).Wrap(fmt.Errorf("%s %q", what, uri))
}

// only is el's one ds:tag child: none or two are a malformed seal.
func only(el *etree.Element, tag string) (*etree.Element, error) {
	cs := children(el, nsDSig, tag)
	if len(cs) != 1 {
		return nil, ErrSeal.Wrap(fmt.Errorf("%d %s elements in %s, want one", len(cs), tag, el.Tag))
	}
	return cs[0], nil
}

// children are el's child elements named tag in namespace ns, whatever
// prefix the list gives it.
func children(el *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			out = append(out, c)
		}
	}
	return out
}
