// Package hsm keeps providers' seal keys in a hardware security module
// reached through PKCS#11 (a city's own HSM, or a qualified provider's
// cloud HSM that offers a PKCS#11 library): the key pair is made inside
// the token, its private half is sensitive and not extractable, and every
// seal is signed by the token. It implements documents.KeyStore.
//
// It talks PKCS#11 through github.com/miekg/pkcs11 (the thin cgo binding
// that crypto11 is itself built on) rather than ThalesGroup/crypto11:
// crypto11 insists on calling C_Initialize itself and fails when the
// library is already initialised in the process, and it ignores
// CKR_USER_ALREADY_LOGGED_IN, so a wrong PIN can pass unnoticed. Hromada
// needs only ECDSA P-256 key generation and signing, a login whose failure
// is reported at start, and a session that is reopened when the token
// comes back; that is a page of code over the binding.
//
// Open needs cgo (the PKCS#11 library is loaded with dlopen); Go's default
// build on Linux has it.
package hsm

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"

	"github.com/miekg/pkcs11"
)

// Config says which token holds the seal keys.
type Config struct {
	// Module is the path of the PKCS#11 library (the HSM vendor's, or
	// SoftHSM's libsofthsm2.so).
	Module string
	// Token is the label of the token (slot) the keys are kept in.
	Token string
	// PIN is the token user's PIN.
	PIN string
}

// Errors of Open, for errors.Is.
var (
	ErrModule   = errors.New("hsm: the PKCS#11 library does not load")
	ErrNoToken  = errors.New("hsm: no token with that label")
	ErrWrongPIN = errors.New("hsm: the token refuses the PIN")
	ErrNoKey    = errors.New("hsm: no key with that label in the token")
)

// HSM is one logged-in token. It is safe for concurrent use: PKCS#11
// sessions are not, so one session is shared under a lock (sealing a
// result is one short signature).
type HSM struct {
	cfg  Config
	p    *pkcs11.Ctx
	slot uint

	mu      sync.Mutex
	session pkcs11.SessionHandle
	open    bool
}

// initialising serialises C_Initialize: libraries need not be safe against
// two at once.
var initialising sync.Mutex

// Open loads the library, finds the token and logs in. A wrong PIN or a
// missing token is an error here, at start, not at the first seal. (The
// login belongs to the process: when the token is already logged in by
// another session of this process, the PIN is not checked again.)
//
// The library is initialised once per process (C_Initialize), and other
// users of it in the process are tolerated; Close logs out and closes the
// session but never finalises the library under them.
func Open(cfg Config) (*HSM, error) {
	p := pkcs11.New(cfg.Module)
	if p == nil {
		return nil, fmt.Errorf("%w: %s", ErrModule, cfg.Module)
	}
	initialising.Lock()
	err := p.Initialize()
	initialising.Unlock()
	if err != nil && !is(err, pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		return nil, fmt.Errorf("%w: %s: %v", ErrModule, cfg.Module, err)
	}
	h := &HSM{cfg: cfg, p: p}
	slot, err := h.findSlot()
	if err != nil {
		return nil, err
	}
	h.slot = slot
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.login(); err != nil {
		return nil, err
	}
	return h, nil
}

// Name is the store's name recorded with each key: "pkcs11:" and the
// token's label.
func (h *HSM) Name() string { return "pkcs11:" + h.cfg.Token }

// Close closes the session. It does not log out: in PKCS#11 the login
// belongs to the whole process, and another user of the token in it would
// be logged out too; the token logs out when its last session closes.
func (h *HSM) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.open {
		return nil
	}
	h.open = false
	return h.p.CloseSession(h.session)
}

// Check is the readiness probe: the session answers and is logged in
// (reopened and logged in again when the token went away and came back).
func (h *HSM) Check() error {
	return h.do(func(s pkcs11.SessionHandle) error {
		info, err := h.p.GetSessionInfo(s)
		if err != nil {
			return err
		}
		if info.State != pkcs11.CKS_RW_USER_FUNCTIONS {
			return pkcs11.Error(pkcs11.CKR_USER_NOT_LOGGED_IN)
		}
		return nil
	})
}

func (h *HSM) findSlot() (uint, error) {
	slots, err := h.p.GetSlotList(true)
	if err != nil {
		return 0, fmt.Errorf("hsm: slots: %w", err)
	}
	for _, s := range slots {
		ti, err := h.p.GetTokenInfo(s)
		if err != nil {
			return 0, fmt.Errorf("hsm: token info: %w", err)
		}
		if ti.Label == h.cfg.Token {
			return s, nil
		}
	}
	return 0, fmt.Errorf("%w: %q in %s", ErrNoToken, h.cfg.Token, h.cfg.Module)
}

// login opens a read-write session and logs the user in; h.mu is held.
func (h *HSM) login() error {
	s, err := h.p.OpenSession(h.slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return fmt.Errorf("hsm: open a session on %q: %w", h.cfg.Token, err)
	}
	err = h.p.Login(s, pkcs11.CKU_USER, h.cfg.PIN)
	switch {
	case err == nil, is(err, pkcs11.CKR_USER_ALREADY_LOGGED_IN):
	case is(err, pkcs11.CKR_PIN_INCORRECT), is(err, pkcs11.CKR_PIN_INVALID), is(err, pkcs11.CKR_PIN_LEN_RANGE),
		is(err, pkcs11.CKR_PIN_LOCKED), is(err, pkcs11.CKR_PIN_EXPIRED):
		_ = h.p.CloseSession(s)
		return fmt.Errorf("%w: token %q: %v", ErrWrongPIN, h.cfg.Token, err)
	default:
		_ = h.p.CloseSession(s)
		return fmt.Errorf("hsm: log in to %q: %w", h.cfg.Token, err)
	}
	h.session, h.open = s, true
	return nil
}

// do runs fn on the session, reopening it once when the token lost it
// (restarted, reconnected, logged out).
func (h *HSM) do(fn func(s pkcs11.SessionHandle) error) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.open {
		if err := h.login(); err != nil {
			return err
		}
	}
	err := fn(h.session)
	if !lost(err) {
		return err
	}
	h.open = false
	if slot, err := h.findSlot(); err == nil {
		h.slot = slot
	}
	if err := h.login(); err != nil {
		return err
	}
	return fn(h.session)
}

func lost(err error) bool {
	return is(err, pkcs11.CKR_SESSION_HANDLE_INVALID) || is(err, pkcs11.CKR_SESSION_CLOSED) ||
		is(err, pkcs11.CKR_DEVICE_REMOVED) || is(err, pkcs11.CKR_TOKEN_NOT_PRESENT) || is(err, pkcs11.CKR_USER_NOT_LOGGED_IN)
}

func is(err error, code uint) bool {
	var e pkcs11.Error
	return errors.As(err, &e) && uint(e) == code
}

// oidP256 is the DER of the named curve P-256 (prime256v1), CKA_EC_PARAMS.
var oidP256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}

// NewKey makes a P-256 key pair in the token, labelled label with CKA_ID
// id: private, sensitive, not extractable, able only to sign. Nothing is
// returned to keep: the key stays in the token, found by its label.
func (h *HSM) NewKey(label string, id []byte) (crypto.Signer, []byte, error) {
	params, err := asn1.Marshal(oidP256)
	if err != nil {
		return nil, nil, err
	}
	pub := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
		pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, params),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
	}
	priv := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_DECRYPT, false),
		pkcs11.NewAttribute(pkcs11.CKA_DERIVE, false),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
	}
	err = h.do(func(s pkcs11.SessionHandle) error {
		_, _, err := h.p.GenerateKeyPair(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)}, pub, priv)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("hsm: generate a key in %q: %w", h.cfg.Token, err)
	}
	k, err := h.Key(label, nil)
	return k, nil, err
}

// Key returns the signer of the key labelled label.
func (h *HSM) Key(label string, _ []byte) (crypto.Signer, error) {
	var pub *ecdsa.PublicKey
	err := h.do(func(s pkcs11.SessionHandle) error {
		if _, err := h.find(s, pkcs11.CKO_PRIVATE_KEY, label); err != nil {
			return err
		}
		o, err := h.find(s, pkcs11.CKO_PUBLIC_KEY, label)
		if err != nil {
			return err
		}
		attrs, err := h.p.GetAttributeValue(s, o, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, nil)})
		if err != nil {
			return err
		}
		pub, err = ecPoint(attrs[0].Value)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("hsm: key %q: %w", label, err)
	}
	return &signer{h: h, label: label, pub: pub}, nil
}

// find returns the one object of class labelled label.
func (h *HSM) find(s pkcs11.SessionHandle, class uint, label string) (pkcs11.ObjectHandle, error) {
	if err := h.p.FindObjectsInit(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, class),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
	}); err != nil {
		return 0, err
	}
	objs, _, err := h.p.FindObjects(s, 2)
	if ferr := h.p.FindObjectsFinal(s); err == nil {
		err = ferr
	}
	if err != nil {
		return 0, err
	}
	switch len(objs) {
	case 0:
		return 0, ErrNoKey
	case 1:
		return objs[0], nil
	}
	return 0, fmt.Errorf("hsm: two objects labelled %q", label)
}

// ecPoint reads CKA_EC_POINT: an uncompressed P-256 point, DER-wrapped
// in an OCTET STRING as PKCS#11 prescribes (some tokens give it bare).
func ecPoint(v []byte) (*ecdsa.PublicKey, error) {
	var raw []byte
	if rest, err := asn1.Unmarshal(v, &raw); err != nil || len(rest) > 0 {
		raw = v
	}
	return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
}

// signer is a key in the token as a crypto.Signer.
type signer struct {
	h     *HSM
	label string
	pub   *ecdsa.PublicKey
}

func (k *signer) Public() crypto.PublicKey { return k.pub }

// Sign signs digest (already hashed, as crypto.Signer has it) with
// CKM_ECDSA and returns the ASN.1 ECDSA-Sig-Value that X.509 and CMS use.
func (k *signer) Sign(_ io.Reader, digest []byte, _ crypto.SignerOpts) ([]byte, error) {
	var rs []byte
	err := k.h.do(func(s pkcs11.SessionHandle) error {
		o, err := k.h.find(s, pkcs11.CKO_PRIVATE_KEY, k.label)
		if err != nil {
			return err
		}
		if err := k.h.p.SignInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, o); err != nil {
			return err
		}
		rs, err = k.h.p.Sign(s, digest)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("hsm: sign with %q: %w", k.label, err)
	}
	if len(rs) == 0 || len(rs)%2 != 0 {
		return nil, fmt.Errorf("hsm: sign with %q: a %d-byte signature", k.label, len(rs))
	}
	half := len(rs) / 2
	return asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(rs[:half]), new(big.Int).SetBytes(rs[half:])})
}
