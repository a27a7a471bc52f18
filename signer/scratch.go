package signer

import (
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"hash"
	"sync"
)

// scratch holds the reusable buffers of one signing or verification.
type scratch struct {
	buf   []byte      // canonical request
	out   []byte      // string to sign, HMAC input
	vals  []string    // merged values of headers with several values
	query []queryItem // items of the query being canonicalised
	date  [len(dateLayout)]byte
	added [3]string // values Sign adds, referenced by header entries

	sha      hash.Hash
	shaState encoding.BinaryUnmarshaler // sha, to restore a saved state
	sum      [sha256.Size]byte
	hex      [2 * sha256.Size]byte
	// macKey is the secret key whose HMAC states macInner and macOuter hold: a pooled
	// scratch keeps them so that signing with the same key again skips two SHA-256
	// blocks. They are as sensitive as the key itself, which the caller holds anyway.
	macKey             string
	macInner, macOuter []byte
}

// scratchPool recycles scratches, so that signing allocates only what it hands back.
var scratchPool = sync.Pool{New: func() any {
	sha := sha256.New()
	return &scratch{
		buf:      make([]byte, 0, 1024),
		out:      make([]byte, 0, 256),
		sha:      sha,
		shaState: sha.(encoding.BinaryUnmarshaler),
	}
}}

// getScratch takes a scratch from the pool; release returns it.
func getScratch() *scratch { return scratchPool.Get().(*scratch) }

// release clears every reference to request data and pools st again. It keeps the
// cached HMAC key states (see scratch.macKey).
func (st *scratch) release() {
	clear(st.vals)
	clear(st.added[:])
	if cap(st.buf) > maxPooledBuffer || cap(st.out) > maxPooledBuffer {
		return
	}
	st.buf, st.out, st.vals, st.query = st.buf[:0], st.out[:0], st.vals[:0], st.query[:0]
	scratchPool.Put(st)
}

// appendBodyHash appends the hex SHA-256 of body.
func (st *scratch) appendBodyHash(body []byte) {
	if len(body) == 0 {
		st.buf = append(st.buf, emptySHA256...)
		return
	}
	st.buf = append(st.buf, st.hexSHA256(body)...)
}

// hexSHA256 returns the hex SHA-256 of b in st.hex.
func (st *scratch) hexSHA256(b []byte) []byte {
	st.sha.Reset()
	st.sha.Write(b)
	st.sha.Sum(st.sum[:0])
	hex.Encode(st.hex[:], st.sum[:])
	return st.hex[:]
}

// signature computes HMAC-SHA256(secret, StringToSign) for the canonical request in
// st.buf into st.sum, and leaves the hex SHA-256 of the canonical request in st.hex. It
// computes the HMAC from plain SHA-256 digests, which allocates nothing, unlike
// hmac.New, and starts them from the states after the padded key, which st caches for
// the last secret it used.
func (st *scratch) signature(secret string, date []byte) {
	canonicalHash := st.hexSHA256(st.buf)
	if st.macInner == nil || st.macKey != secret {
		st.setMACKey(secret)
	}
	b := append(st.out[:0], algorithm+"\n"...)
	b = append(b, date...)
	b = append(b, '\n')
	b = append(b, canonicalHash...)
	st.out = b[:0]

	// Inner digest: SHA-256((key XOR ipad) || StringToSign).
	st.restore(st.macInner)
	st.sha.Write(b)
	st.sha.Sum(st.sum[:0])
	// Outer digest: SHA-256((key XOR opad) || inner).
	st.restore(st.macOuter)
	st.sha.Write(st.sum[:])
	st.sha.Sum(st.sum[:0])
}

// setMACKey caches the SHA-256 states after absorbing the HMAC key XOR ipad and XOR
// opad.
func (st *scratch) setMACKey(secret string) {
	const blockSize = 64
	key := append(st.out[:0], make([]byte, blockSize)...)
	if len(secret) > blockSize {
		// A long key is replaced by its digest, fed through key to avoid a copy.
		st.sha.Reset()
		for rest := secret; rest != ""; {
			n := copy(key, rest)
			st.sha.Write(key[:n])
			rest = rest[n:]
		}
		clear(key)
		st.sha.Sum(key[:0])
	} else {
		copy(key, secret)
	}
	for i := range key {
		key[i] ^= 0x36
	}
	st.macInner = st.absorb(st.macInner[:0], key)
	for i := range key {
		key[i] ^= 0x36 ^ 0x5c
	}
	st.macOuter = st.absorb(st.macOuter[:0], key)
	clear(key[:cap(key)])
	st.out = key[:0]
	st.macKey = secret
}

// absorb appends to dst the state of a SHA-256 digest that has absorbed block.
func (st *scratch) absorb(dst, block []byte) []byte {
	st.sha.Reset()
	st.sha.Write(block)
	// crypto/sha256 documents that its digests implement encoding.BinaryAppender and
	// encoding.BinaryUnmarshaler; its state cannot fail to marshal.
	dst, _ = st.sha.(encoding.BinaryAppender).AppendBinary(dst)
	return dst
}

// restore sets st.sha to a state saved by absorb.
func (st *scratch) restore(state []byte) {
	_ = st.shaState.UnmarshalBinary(state)
}
