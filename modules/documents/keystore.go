package documents

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// KeyStore keeps providers' seal keys. It makes a key pair and signs with
// it; where the private half lives is its business. Two stores exist:
// DatabaseKeys, the key sealed with the Sealer in the database
// (development, and the embedded default), and hsm.HSM, the key inside a
// PKCS#11 token that never lets it out (production).
type KeyStore interface {
	// Name is what seal_keys.store records, so that a key is looked up in
	// the store that made it: "database", or "pkcs11:<token label>".
	Name() string
	// NewKey makes a P-256 key pair named label (id is its CKA_ID in a
	// token). kept is what the database must keep for Key to find it
	// again: the sealed private key for DatabaseKeys, nothing for an HSM.
	NewKey(label string, id []byte) (key crypto.Signer, kept []byte, err error)
	// Key returns the signer of the key named label.
	Key(label string, kept []byte) (crypto.Signer, error)
}

// DatabaseStore is DatabaseKeys' Name.
const DatabaseStore = "database"

// DatabaseKeys keeps a key in the database, its PKCS #8 sealed with
// Sealer and bound to its label (which names its tenant and row), so that
// a key copied into another row or tenant does not open.
type DatabaseKeys struct{ Sealer Sealer }

// Name is "database".
func (DatabaseKeys) Name() string { return DatabaseStore }

// NewKey makes a P-256 key in memory and returns it sealed.
func (d DatabaseKeys) NewKey(label string, _ []byte) (crypto.Signer, []byte, error) {
	if d.Sealer == nil {
		return nil, nil, errNoDevSigner
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	raw, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	sealed, err := d.Sealer.Seal(raw, []byte(label))
	if err != nil {
		return nil, nil, fmt.Errorf("documents: seal key: %w", err)
	}
	return key, sealed, nil
}

// Key opens the sealed key; ErrSealBroken when it does not open.
func (d DatabaseKeys) Key(label string, kept []byte) (crypto.Signer, error) {
	if d.Sealer == nil {
		return nil, errNoDevSigner
	}
	raw, err := d.Sealer.Open(kept, []byte(label))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSealBroken, err)
	}
	k, err := x509.ParsePKCS8PrivateKey(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSealBroken, err)
	}
	key, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: key is not a signer", ErrSealBroken)
	}
	return key, nil
}

// ErrKeyStoreClosed: a seal's key is in a store (an HSM token) this
// process has not opened.
var ErrKeyStoreClosed = errors.New("documents: the seal's key is in a key store this process has not opened (HROMADA_HSM_*)")

// The HSM stores this process has opened, by Name. A PKCS#11 library is
// initialised once per process and its tokens are process-wide, so the
// stores are registered here once at start (cmd/hromada) rather than
// handed to every caller: ActiveSeal keeps its signature, and whoever
// seals through it (results, signed messages, deliveries) reaches a key in
// the HSM without knowing it is there.
var openStores = struct {
	sync.RWMutex
	m map[string][]KeyStore
}{m: map[string][]KeyStore{}}

// UseKeyStore makes ks reachable by ActiveSeal for the keys it holds,
// until the returned function is called (on Close). The same token may be
// opened twice in a process (a command run beside the server in tests):
// the last opened answers, and releasing one leaves the other.
func UseKeyStore(ks KeyStore) (release func()) {
	openStores.Lock()
	defer openStores.Unlock()
	openStores.m[ks.Name()] = append(openStores.m[ks.Name()], ks)
	return func() {
		openStores.Lock()
		defer openStores.Unlock()
		name := ks.Name()
		openStores.m[name] = slices.DeleteFunc(openStores.m[name], func(o KeyStore) bool { return o == ks })
		if len(openStores.m[name]) == 0 {
			delete(openStores.m, name)
		}
	}
}

// keyStore returns the store named name: DatabaseKeys with sealer, or an
// opened HSM.
func keyStore(name string, sealer Sealer) (KeyStore, error) {
	if name == DatabaseStore {
		return DatabaseKeys{Sealer: sealer}, nil
	}
	openStores.RLock()
	defer openStores.RUnlock()
	if open := openStores.m[name]; len(open) > 0 {
		return open[len(open)-1], nil
	}
	return nil, fmt.Errorf("%w: %s", ErrKeyStoreClosed, name)
}
