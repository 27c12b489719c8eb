// tlog-check reads a cairn log as an auditor's tool would, with Go's own
// transparency-log code (golang.org/x/mod/sumdb/note and sumdb/tlog, as the
// Go checksum database uses them) and nothing of cairn's:
//
//	tlog-check gen N SEED
//	    N CIDv1 (raw, sha2-256) of the bytes "SEED-i", one a line: leaves
//	    made here, not by cairn, so the log's entries are checked against
//	    an independent list
//	tlog-check tiles PREFIX CIDFILE [OLDSIZE OLDROOT]
//	    PREFIX/checkpoint is opened with note.Open, the key taken from the
//	    PeerID in its origin (so the log signs as its name says); its size
//	    must be the number of lines of CIDFILE. Then, through
//	    tlog.TileHashReader over PREFIX/tile/... (every tile it reads is
//	    checked against the signed root): tlog.TreeHash must give the root;
//	    every entry bundle must hold exactly CIDFILE's CIDs, in order, and
//	    each entry's tlog.RecordHash must be the level-0 hash; ProveRecord
//	    and CheckRecord for a spread of leaves; with OLDSIZE and OLDROOT
//	    (base64), ProveTree and CheckTree from that older tree. Caching
//	    headers are checked on the way: full tiles immutable, partial not.
//	    Prints "ok size=N root=B64 tiles=T" and exits 0, or the first
//	    failure and exits 1.
//	tlog-check bundle FILE [CID]
//	    FILE is a c2sp.org/tlog-proof bundle, parsed here from the spec:
//	    its checkpoint opened with note.Open (the key from the PeerID in
//	    its origin), its inclusion path checked with tlog.CheckRecord
//	    against the leaf of the CID its extra JSON names (which must be CID,
//	    if given). Prints "ok index=I size=N cid=C extra=JSON".
//	tlog-check cosig NOTEFILE VKEY
//	    the C2SP tlog-cosignature v1 (Ed25519) by the witness key VKEY
//	    (name+hash+base64(0x04 ‖ key)) on the signed note in NOTEFILE,
//	    checked from the spec: the key hash, then Ed25519 over
//	    "cosignature/v1\ntime T\n" ‖ the note's text. Prints "ok time=T".
//	tlog-check forge KEYPEM SIZE
//	    a checkpoint of SIZE with a random root, signed (note.Sign) with the
//	    Ed25519 key in KEYPEM (PKCS #8) under its origin cairn/<PeerID>:
//	    the fork a log that lies would show a witness
//	tlog-check vkey PREFIX
//	    the verifier key of the log at PREFIX, as note.NewEd25519VerifierKey
//	    makes it from the PeerID in the checkpoint's origin
//
// Build it in GOPATH mode, offline, from Debian's golang-golang-x-mod-dev:
// GO111MODULE=off GOPATH=/usr/share/gocode go build tlog-check.go
package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	mrand "math/rand"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var client = &http.Client{Timeout: 20 * time.Second}

func fail(format string, args ...interface{}) {
	fmt.Printf("FAIL: "+format+"\n", args...)
	os.Exit(1)
}

// get fetches url: the body and the response (status checked by callers).
func get(url string) ([]byte, *http.Response) {
	resp, err := client.Get(url)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	return body, resp
}

// base58btc, the PeerID's encoding.
func base58(s string) ([]byte, error) {
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	n := new(big.Int)
	for _, c := range s {
		i := strings.IndexRune(alphabet, c)
		if i < 0 {
			return nil, fmt.Errorf("'%c' is not base58", c)
		}
		n.Mul(n, big.NewInt(58))
		n.Add(n, big.NewInt(int64(i)))
	}
	out := n.Bytes()
	for _, c := range s {
		if c != '1' {
			break
		}
		out = append([]byte{0}, out...)
	}
	return out, nil
}

// The Ed25519 key inside a PeerID: an identity multihash (0x00, length
// 0x24) of the libp2p PublicKey protobuf {Type: Ed25519 (08 01), Data (12 20)}.
func peerKey(peer string) (ed25519.PublicKey, error) {
	b, err := base58(peer)
	if err != nil {
		return nil, err
	}
	if len(b) != 38 || !bytes.Equal(b[:6], []byte{0x00, 0x24, 0x08, 0x01, 0x12, 0x20}) {
		return nil, errors.New("not an Ed25519 PeerID")
	}
	return ed25519.PublicKey(b[6:]), nil
}

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
	note   []byte
}

// The checkpoint at prefix, opened with the key its origin names.
func fetchCheckpoint(prefix string) (checkpoint, note.Verifier) {
	body, resp := get(prefix + "/checkpoint")
	if resp.StatusCode != 200 {
		fail("checkpoint: HTTP %d: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		fail("checkpoint: Content-Type %q", ct)
	}
	cp, v := openNote(body)
	if !strings.HasPrefix(cp.origin, "cairn/") {
		fail("checkpoint origin %q", cp.origin)
	}
	return cp, v
}

// tiles reads hash tiles over HTTP for tlog.TileHashReader, mapping Go's
// tile/8/L/N[.p/W] to the C2SP path tile/L/N[.p/W] (the height is 8).
type tiles struct {
	prefix string
	read   int
}

func (t *tiles) Height() int { return 8 }

func c2spPath(tl tlog.Tile) string {
	p := strings.TrimPrefix(tl.Path(), "tile/8/")
	if tl.L == -1 {
		p = "entries/" + strings.TrimPrefix(p, "data/")
	}
	return "tile/" + p
}

// fetchTile: the bytes of tile tl, with the caching its kind asks for.
func fetchTile(prefix string, tl tlog.Tile) []byte {
	url := prefix + "/" + c2spPath(tl)
	body, resp := get(url)
	if resp.StatusCode != 200 {
		fail("%s: HTTP %d: %s", url, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
		fail("%s: Content-Type %q", url, ct)
	}
	cc := resp.Header.Get("Cache-Control")
	if immutable := strings.Contains(cc, "immutable"); immutable != (tl.W == 256) {
		fail("%s (width %d): Cache-Control %q", url, tl.W, cc)
	}
	return body
}

func (t *tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, tl := range ts {
		out[i] = fetchTile(t.prefix, tl)
		if len(out[i]) != tl.W*32 {
			return nil, fmt.Errorf("%s: %d bytes, not %d", c2spPath(tl), len(out[i]), tl.W*32)
		}
		t.read++
	}
	return out, nil
}

func (t *tiles) SaveTiles([]tlog.Tile, [][]byte) {}

// A CID's text (multibase 'b': base32, lower case, no padding) as bytes.
func cidBytes(s string) []byte {
	if !strings.HasPrefix(s, "b") {
		fail("CID %q: only base32 CIDv1 here", s)
	}
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(s[1:]))
	if err != nil {
		fail("CID %q: %v", s, err)
	}
	return b
}

func readLines(file string) []string {
	f, err := os.Open(file)
	if err != nil {
		fail("%v", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func gen(n int, seed string) {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	for i := 0; i < n; i++ {
		d := sha256.Sum256([]byte(fmt.Sprintf("%s-%d", seed, i)))
		c := append([]byte{0x01, 0x55, 0x12, 0x20}, d[:]...)
		fmt.Fprintf(w, "b%s\n", strings.ToLower(enc.EncodeToString(c)))
	}
}

func checkTiles(prefix, cidfile string, old []string) {
	cp, _ := fetchCheckpoint(prefix)
	cids := readLines(cidfile)
	if cp.size != int64(len(cids)) {
		fail("checkpoint size %d, want %d", cp.size, len(cids))
	}
	tree := tlog.Tree{N: cp.size, Hash: cp.root}
	tr := &tiles{prefix: prefix}
	hr := tlog.TileHashReader(tree, tr)
	th, err := tlog.TreeHash(tree.N, hr)
	if err != nil {
		fail("TreeHash: %v", err)
	}
	if th != tree.Hash {
		fail("TreeHash %v, checkpoint root %v", th, tree.Hash)
	}
	// every entry bundle: the CIDs in order, each hashing to its leaf hash
	for start := int64(0); start < tree.N; start += 256 {
		w := tree.N - start
		if w > 256 {
			w = 256
		}
		bt := tlog.Tile{H: 8, L: -1, N: start / 256, W: int(w)}
		body := fetchTile(prefix, bt)
		idx := make([]int64, w)
		for i := range idx {
			idx[i] = tlog.StoredHashIndex(0, start+int64(i))
		}
		leaves, err := hr.ReadHashes(idx)
		if err != nil {
			fail("leaf hashes %d..: %v", start, err)
		}
		for i := int64(0); i < w; i++ {
			if len(body) < 2 {
				fail("%s: ends at entry %d", c2spPath(bt), i)
			}
			l := int(body[0])<<8 | int(body[1])
			if len(body) < 2+l {
				fail("%s: entry %d truncated", c2spPath(bt), i)
			}
			e := body[2 : 2+l]
			body = body[2+l:]
			if want := cidBytes(cids[start+i]); !bytes.Equal(e, want) {
				fail("entry %d is %x, want %x (%s)", start+i, e, want, cids[start+i])
			}
			if tlog.RecordHash(e) != leaves[i] {
				fail("entry %d does not hash to its level-0 tile hash", start+i)
			}
		}
		if len(body) != 0 {
			fail("%s: %d bytes after %d entries", c2spPath(bt), len(body), w)
		}
	}
	// inclusion: edges of tiles and subtrees, and random leaves
	picks := map[int64]bool{0: true, tree.N - 1: true}
	for _, i := range []int64{1, 254, 255, 256, 257, 511, 512, 65535, 65536} {
		if i < tree.N {
			picks[i] = true
		}
	}
	rng := mrand.New(mrand.NewSource(tree.N))
	for k := 0; k < 64; k++ {
		picks[rng.Int63n(tree.N)] = true
	}
	for i := range picks {
		p, err := tlog.ProveRecord(tree.N, i, hr)
		if err != nil {
			fail("ProveRecord(%d): %v", i, err)
		}
		if err := tlog.CheckRecord(p, tree.N, tree.Hash, i, tlog.RecordHash(cidBytes(cids[i]))); err != nil {
			fail("CheckRecord(%d): %v", i, err)
		}
	}
	if len(old) == 2 {
		on, err := strconv.ParseInt(old[0], 10, 64)
		if err != nil {
			fail("old size %q", old[0])
		}
		oh, err := tlog.ParseHash(old[1])
		if err != nil {
			fail("old root %q", old[1])
		}
		tp, err := tlog.ProveTree(tree.N, on, hr)
		if err != nil {
			fail("ProveTree(%d, %d): %v", tree.N, on, err)
		}
		if err := tlog.CheckTree(tp, tree.N, tree.Hash, on, oh); err != nil {
			fail("CheckTree from %d: %v", on, err)
		}
	}
	fmt.Printf("ok size=%d root=%s tiles=%d proofs=%d\n", tree.N, tree.Hash, tr.read, len(picks))
}

// openNote opens a signed note with the key inside its origin's PeerID and
// returns the checkpoint it holds, and that key's verifier.
func openNote(msg []byte) (checkpoint, note.Verifier) {
	origin := string(msg[:bytes.IndexByte(msg, '\n')])
	pub, err := peerKey(strings.TrimPrefix(origin, "cairn/"))
	if err != nil {
		fail("origin %q: %v", origin, err)
	}
	vkey, err := note.NewEd25519VerifierKey(origin, pub)
	if err != nil {
		fail("verifier key: %v", err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		fail("verifier: %v", err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fail("note.Open: %v", err)
	}
	// tlog-checkpoint: origin, size, base64 root, then extension lines
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != origin {
		fail("checkpoint text %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		fail("checkpoint size %q", lines[1])
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail("checkpoint root %q: %v", lines[2], err)
	}
	return checkpoint{origin, size, root, msg}, v
}

// checkBundle reads a c2sp.org/tlog-proof bundle as its spec says.
func checkBundle(file, want string) {
	data, err := os.ReadFile(file)
	if err != nil {
		fail("%v", err)
	}
	rest := string(data)
	line := func() string {
		i := strings.IndexByte(rest, '\n')
		if i < 0 {
			fail("bundle ends early")
		}
		l := rest[:i]
		rest = rest[i+1:]
		return l
	}
	if line() != "c2sp.org/tlog-proof@v1" {
		fail("not a c2sp.org/tlog-proof@v1 bundle")
	}
	l := line()
	var extra []byte
	if strings.HasPrefix(l, "extra ") {
		if extra, err = base64.StdEncoding.DecodeString(l[6:]); err != nil {
			fail("extra: %v", err)
		}
		l = line()
	}
	if !strings.HasPrefix(l, "index ") {
		fail("no index line: %q", l)
	}
	index, err := strconv.ParseInt(l[6:], 10, 64)
	if err != nil || strconv.FormatInt(index, 10) != l[6:] {
		fail("index %q", l[6:])
	}
	var proof tlog.RecordProof
	for l = line(); l != ""; l = line() {
		h, err := tlog.ParseHash(l)
		if err != nil {
			fail("path hash %q: %v", l, err)
		}
		proof = append(proof, h)
	}
	cp, _ := openNote([]byte(rest))
	var x map[string]interface{}
	if err := json.Unmarshal(extra, &x); err != nil {
		fail("extra is not JSON: %v", err)
	}
	cid, _ := x["cid"].(string)
	if want != "" && cid != want {
		fail("the bundle is for %q, not %q", cid, want)
	}
	if err := tlog.CheckRecord(proof, cp.size, cp.root, index, tlog.RecordHash(cidBytes(cid))); err != nil {
		fail("CheckRecord: %v", err)
	}
	fmt.Printf("ok index=%d size=%d cid=%s extra=%s\n", index, cp.size, cid, extra)
}

// checkCosig verifies a tlog-cosignature v1 line by vkey on a note.
func checkCosig(file, vkey string) {
	msg, err := os.ReadFile(file)
	if err != nil {
		fail("%v", err)
	}
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		fail("vkey %q", vkey)
	}
	name := parts[0]
	key, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(key) != 33 || key[0] != 0x04 {
		fail("vkey %q: not a cosignature key (type 4)", vkey)
	}
	h := sha256.Sum256(append([]byte(name+"\n"), key...))
	if fmt.Sprintf("%08x", binary.BigEndian.Uint32(h[:4])) != parts[1] {
		fail("vkey %q: its key hash does not match", vkey)
	}
	text, sigs, found := strings.Cut(string(msg), "\n\n")
	if !found {
		fail("not a note")
	}
	text += "\n"
	for _, line := range strings.Split(sigs, "\n") {
		if !strings.HasPrefix(line, "\u2014 "+name+" ") {
			continue
		}
		blob, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(line, "\u2014 "+name+" "))
		if err != nil || len(blob) != 76 || !bytes.Equal(blob[:4], h[:4]) {
			continue
		}
		t := binary.BigEndian.Uint64(blob[4:12])
		m := fmt.Sprintf("cosignature/v1\ntime %d\n%s", t, text)
		if ed25519.Verify(ed25519.PublicKey(key[1:]), []byte(m), blob[12:]) {
			fmt.Printf("ok time=%d\n", t)
			return
		}
		fail("the cosignature by %s does not verify", name)
	}
	fail("no cosignature by %s", name)
}

// base58btc, for a PeerID.
func base58enc(b []byte) string {
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	n := new(big.Int).SetBytes(b)
	var out []byte
	mod := new(big.Int)
	for n.Sign() > 0 {
		n.DivMod(n, big.NewInt(58), mod)
		out = append([]byte{alphabet[mod.Int64()]}, out...)
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append([]byte{'1'}, out...)
	}
	return string(out)
}

// forge signs a checkpoint of size with a random root with the key in a PEM.
func forge(keyfile string, size string) {
	data, err := os.ReadFile(keyfile)
	if err != nil {
		fail("%v", err)
	}
	blk, _ := pem.Decode(data)
	if blk == nil {
		fail("%s: not PEM", keyfile)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		fail("%s: %v", keyfile, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		fail("%s: not an Ed25519 key", keyfile)
	}
	pub := priv.Public().(ed25519.PublicKey)
	origin := "cairn/" + base58enc(append([]byte{0x00, 0x24, 0x08, 0x01, 0x12, 0x20}, pub...))
	vkey, err := note.NewEd25519VerifierKey(origin, pub)
	if err != nil {
		fail("%v", err)
	}
	hash := strings.SplitN(vkey, "+", 3)[1]
	skey := "PRIVATE+KEY+" + origin + "+" + hash + "+" +
		base64.StdEncoding.EncodeToString(append([]byte{0x01}, priv.Seed()...))
	signer, err := note.NewSigner(skey)
	if err != nil {
		fail("signer: %v", err)
	}
	var root [32]byte
	rand.Read(root[:])
	text := fmt.Sprintf("%s\n%s\n%s\n%s\n", origin, size, base64.StdEncoding.EncodeToString(root[:]),
		time.Now().UTC().Format("2006-01-02T15:04:05Z"))
	msg, err := note.Sign(&note.Note{Text: text}, signer)
	if err != nil {
		fail("note.Sign: %v", err)
	}
	os.Stdout.Write(msg)
}

func main() {
	args := os.Args[1:]
	switch {
	case len(args) == 3 && args[0] == "gen":
		n, err := strconv.Atoi(args[1])
		if err != nil {
			fail("gen: N")
		}
		gen(n, args[2])
	case (len(args) == 3 || len(args) == 5) && args[0] == "tiles":
		checkTiles(strings.TrimSuffix(args[1], "/"), args[2], args[3:])
	case (len(args) == 2 || len(args) == 3) && args[0] == "bundle":
		want := ""
		if len(args) == 3 {
			want = args[2]
		}
		checkBundle(args[1], want)
	case len(args) == 3 && args[0] == "cosig":
		checkCosig(args[1], args[2])
	case len(args) == 3 && args[0] == "forge":
		forge(args[1], args[2])
	case len(args) == 2 && args[0] == "vkey":
		_, v := fetchCheckpoint(strings.TrimSuffix(args[1], "/"))
		pub, _ := peerKey(strings.TrimPrefix(v.Name(), "cairn/"))
		vkey, _ := note.NewEd25519VerifierKey(v.Name(), pub)
		fmt.Println(vkey)
	default:
		fmt.Fprintln(os.Stderr, "usage: tlog-check gen N SEED | tiles PREFIX CIDFILE [OLDSIZE OLDROOT] | bundle FILE [CID] | cosig NOTEFILE VKEY | forge KEYPEM SIZE | vkey PREFIX")
		os.Exit(2)
	}
}
