// Command vectors writes golden test vectors for swarmec's implementation of bee's wire formats:
// overlay addresses, Ethereum addresses and signatures (pkg/crypto), signed BzzAddresses
// (pkg/bzz), postage stamps (pkg/postage), bee's encrypted key file (pkg/keystore/file) and the
// protobuf bytes of every message of the protocols swarmec speaks (each protocol's pb package).
//
// Every value is produced by bee's own code at the version this module requires; this program only
// chooses the inputs and writes JSON. Inputs are deterministic (private keys are keccak256 of a
// label), so a run reproduces the committed files byte for byte. keystore.json is the exception
// made once: bee's keystore draws its key, salt and IV at random, so an existing keystore.json is
// checked with bee's keystore and kept.
//
//	cd tools/bee && go run ./vectors -out ../../fixtures/bee-wire
//
// Protocols whose pb packages are internal to bee (handshake, headers, status) cannot be imported
// from this module; their generated types are registered by name in gogo/protobuf's registry when
// the bee packages that use them are linked, and are built from there by reflection.
package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strconv"

	"github.com/ethereum/go-ethereum/common"
	"github.com/gogo/protobuf/proto"
	libp2pcrypto "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/ethersphere/bee/v2/pkg/bzz"
	"github.com/ethersphere/bee/v2/pkg/crypto"
	"github.com/ethersphere/bee/v2/pkg/keystore"
	keystorefile "github.com/ethersphere/bee/v2/pkg/keystore/file"
	"github.com/ethersphere/bee/v2/pkg/p2p"
	"github.com/ethersphere/bee/v2/pkg/p2p/protobuf"
	"github.com/ethersphere/bee/v2/pkg/postage"
	"github.com/ethersphere/bee/v2/pkg/swarm"

	hivepb "github.com/ethersphere/bee/v2/pkg/hive/pb"
	pingpongpb "github.com/ethersphere/bee/v2/pkg/pingpong/pb"
	pricingpb "github.com/ethersphere/bee/v2/pkg/pricing/pb"
	pullsyncpb "github.com/ethersphere/bee/v2/pkg/pullsync/pb"
	pushsyncpb "github.com/ethersphere/bee/v2/pkg/pushsync/pb"
	retrievalpb "github.com/ethersphere/bee/v2/pkg/retrieval/pb"
	pseudosettlepb "github.com/ethersphere/bee/v2/pkg/settlement/pseudosettle/pb"

	// Linked for the gogo/protobuf registrations of their internal pb packages:
	// handshake.* and headers.* (pkg/p2p/libp2p/internal/...), status.* (pkg/status/internal/pb).
	_ "github.com/ethersphere/bee/v2/pkg/p2p/libp2p"
	_ "github.com/ethersphere/bee/v2/pkg/status"
)

func main() {
	out := flag.String("out", "fixtures/bee-wire", "directory to write the JSON files into")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	files := []struct {
		name string
		gen  func() any
	}{
		{"identity.json", identityVectors},
		{"bzz.json", bzzVectors},
		{"postage.json", postageVectors},
		{"messages.json", messageVectors},
		{"keystore.json", func() any { return keystoreVectors(*out) }},
	}
	for _, f := range files {
		data, err := json.MarshalIndent(f.gen(), "", "  ")
		if err != nil {
			fail(err)
		}
		data = append(data, '\n')
		path := filepath.Join(*out, f.name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			fail(err)
		}
		fmt.Println(path)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "vectors:", err)
	os.Exit(1)
}

func must[T any](v T, err error) T {
	if err != nil {
		fail(err)
	}
	return v
}

func check(ok bool, format string, args ...any) {
	if !ok {
		fail(fmt.Errorf(format, args...))
	}
}

func keccak(data []byte) []byte { return must(crypto.LegacyKeccak256(data)) }

// keyBytes is the deterministic secp256k1 private key of a label: keccak256(label).
func keyBytes(label string) []byte { return keccak([]byte(label)) }

func key(label string) *ecdsa.PrivateKey {
	return must(crypto.DecodeSecp256k1PrivateKey(keyBytes(label)))
}

func h(b []byte) string { return hex.EncodeToString(b) }

func u64(v uint64) string { return strconv.FormatUint(v, 10) }

func i64(v int64) string { return strconv.FormatInt(v, 10) }

func ethAddress(k *ecdsa.PrivateKey) []byte { return must(crypto.NewEthereumAddress(k.PublicKey)) }

// uncompressed is the 65-byte SEC1 encoding (0x04 || X || Y) of a public key.
func uncompressed(k *ecdsa.PrivateKey) []byte {
	b := make([]byte, 65)
	b[0] = 4
	k.X.FillBytes(b[1:33]) //nolint:staticcheck // the fields are the only way to a secp256k1 point
	k.Y.FillBytes(b[33:])  //nolint:staticcheck
	return b
}

// ---------------------------------------------------------------------------------------------
// identity.json: keys, Ethereum addresses, overlays, signatures (pkg/crypto)

var keyLabels = []string{"swarmec/bee-wire/key-0", "swarmec/bee-wire/key-1", "swarmec/bee-wire/key-2"}

func nonces() [][]byte {
	one := make([]byte, 32)
	one[31] = 1
	ff := bytes.Repeat([]byte{0xff}, 32)
	return [][]byte{make([]byte, 32), one, ff, keccak([]byte("swarmec/bee-wire/nonce"))}
}

var networkIDs = []uint64{1, 10, 0, 1234567, 1<<64 - 1}

func identityVectors() any {
	type keyV struct {
		Label                string `json:"label"`
		PrivateKey           string `json:"private_key"`
		PublicKey            string `json:"public_key"`
		PublicKeyCompressed  string `json:"public_key_compressed"`
		EthereumAddress      string `json:"ethereum_address"`
		SignerEthereumAddres string `json:"signer_ethereum_address"`
	}
	type overlayV struct {
		PrivateKey string `json:"private_key"`
		NetworkID  string `json:"network_id"`
		Nonce      string `json:"nonce"`
		Overlay    string `json:"overlay"`
	}
	type sigV struct {
		PrivateKey string `json:"private_key"`
		Data       string `json:"data"`
		Signature  string `json:"signature"`
	}
	var keys []keyV
	for _, l := range keyLabels {
		k := key(l)
		signerAddr := must(crypto.NewDefaultSigner(k).EthereumAddress())
		keys = append(keys, keyV{
			Label:                l,
			PrivateKey:           h(must(crypto.EncodeSecp256k1PrivateKey(k))),
			PublicKey:            h(uncompressed(k)),
			PublicKeyCompressed:  h(crypto.EncodeSecp256k1PublicKey(&k.PublicKey)),
			EthereumAddress:      h(ethAddress(k)),
			SignerEthereumAddres: h(signerAddr.Bytes()),
		})
	}
	var overlays []overlayV
	for i, l := range keyLabels {
		k := key(l)
		for j, n := range nonces() {
			for m, id := range networkIDs {
				// every key with every nonce on the first network, and all pairs on a diagonal
				if m != 0 && (i+j+m)%2 != 0 {
					continue
				}
				o := must(crypto.NewOverlayAddress(k.PublicKey, id, n))
				overlays = append(overlays, overlayV{h(keyBytes(l)), u64(id), h(n), h(o.Bytes())})
			}
		}
	}
	data := [][]byte{
		{},
		[]byte("hello"),
		keccak([]byte("swarmec/bee-wire/chunk")),
		bytes.Repeat([]byte{0xab}, 300),
	}
	var sigs []sigV
	for _, l := range keyLabels {
		signer := crypto.NewDefaultSigner(key(l))
		for _, d := range data {
			sig := must(signer.Sign(d))
			pub := must(crypto.Recover(sig, d))
			check(pub.Equal(&key(l).PublicKey), "recover %s", l)
			sigs = append(sigs, sigV{h(keyBytes(l)), h(d), h(sig)})
		}
	}
	return map[string]any{
		"source":     "bee v2.8.1 pkg/crypto: EncodeSecp256k1PublicKey, NewEthereumAddress, NewOverlayAddress, NewDefaultSigner(k).Sign, Recover",
		"keys":       keys,
		"overlays":   overlays,
		"signatures": sigs,
	}
}

// ---------------------------------------------------------------------------------------------
// bzz.json: signed BzzAddresses as bee's handshake and hive carry them (pkg/bzz)

// p256PeerID is the libp2p peer id of a deterministic ECDSA P-256 key, the key type bee gives
// its libp2p host.
func p256PeerID(label string) peer.ID {
	k := must(ecdsa.ParseRawPrivateKey(elliptic.P256(), keccak([]byte(label))))
	priv, _ := must2(libp2pcrypto.ECDSAKeyPairFromKey(k))
	return must(peer.IDFromPrivateKey(priv))
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		fail(err)
	}
	return a, b
}

type addrV struct {
	PrivateKey        string   `json:"private_key"`
	NetworkID         string   `json:"network_id"`
	Nonce             string   `json:"nonce"`
	Timestamp         string   `json:"timestamp"`
	Underlays         []string `json:"underlays"`
	UnderlayBytes     string   `json:"underlay_bytes"`
	Overlay           string   `json:"overlay"`
	ChequebookAddress string   `json:"chequebook_address"`
	Signature         string   `json:"signature"`
	EthereumAddress   string   `json:"ethereum_address"`
}

func bzzVectors() any {
	return map[string]any{
		"source":    "bee v2.8.1 pkg/bzz: NewAddress (signed with crypto.NewDefaultSigner), SerializeUnderlays; chequebook_address as bee's handshake sends it (20 bytes, zero for none); each checked with ParseAddress, which also accepts an empty chequebook_address for the zero one and refuses the address with network_id + 1 or timestamp + 1",
		"addresses": bzzAddresses(),
	}
}

func bzzAddresses() []addrV {
	pid := p256PeerID("swarmec/bee-wire/libp2p-0").String()
	cases := []struct {
		key        string
		networkID  uint64
		nonce      []byte
		timestamp  int64
		underlays  []string
		chequebook []byte
	}{
		{keyLabels[0], 1, nonces()[0], 1700000000, []string{"/ip4/127.0.0.1/tcp/1634/p2p/" + pid}, nil},
		{keyLabels[1], 10, nonces()[3], 1767225600, []string{
			"/ip4/192.0.2.7/tcp/1634/p2p/" + pid,
			"/ip6/2001:db8::7/tcp/1634/p2p/" + pid,
			"/dns4/node.example/tcp/443/tls/sni/node.example/ws/p2p/" + pid,
		}, nil},
		{keyLabels[2], 1234567, nonces()[1], 1, []string{"/ip4/10.1.2.3/tcp/31634"},
			common.HexToAddress("0x1111111111111111111111111111111111111111").Bytes()},
	}
	var addrs []addrV
	for _, c := range cases {
		k := key(c.key)
		signer := crypto.NewDefaultSigner(k)
		overlay := must(crypto.NewOverlayAddress(k.PublicKey, c.networkID, c.nonce))
		var mas []ma.Multiaddr
		for _, s := range c.underlays {
			mas = append(mas, must(ma.NewMultiaddr(s)))
		}
		cb := common.BytesToAddress(c.chequebook)
		a := must(bzz.NewAddress(signer, mas, overlay, c.networkID, c.nonce, c.timestamp, cb))
		underlay := must(bzz.SerializeUnderlays(a.Underlays))

		// bee accepts it on its network ...
		// On the wire bee sends the chequebook as common.Address.Bytes(): 20 bytes, zero when none.
		wireChequebook := a.ChequebookAddress.Bytes()
		parsed := must(bzz.ParseAddress(underlay, overlay.Bytes(), a.Signature, c.nonce, c.timestamp, c.networkID, wireChequebook))
		check(parsed.Equal(a), "parsed address differs")
		if len(c.chequebook) == 0 {
			// an empty chequebook field means the zero address
			_ = must(bzz.ParseAddress(underlay, overlay.Bytes(), a.Signature, c.nonce, c.timestamp, c.networkID, nil))
		}
		// ... and refuses it on another, or with another timestamp.
		_, err := bzz.ParseAddress(underlay, overlay.Bytes(), a.Signature, c.nonce, c.timestamp, c.networkID+1, wireChequebook)
		check(errors.Is(err, bzz.ErrInvalidAddress), "other network id accepted: %v", err)
		_, err = bzz.ParseAddress(underlay, overlay.Bytes(), a.Signature, c.nonce, c.timestamp+1, c.networkID, wireChequebook)
		check(errors.Is(err, bzz.ErrInvalidAddress), "other timestamp accepted: %v", err)

		chequebook := h(wireChequebook)
		addrs = append(addrs, addrV{
			PrivateKey:        h(keyBytes(c.key)),
			NetworkID:         u64(c.networkID),
			Nonce:             h(c.nonce),
			Timestamp:         i64(c.timestamp),
			Underlays:         c.underlays,
			UnderlayBytes:     h(underlay),
			Overlay:           h(overlay.Bytes()),
			ChequebookAddress: chequebook,
			Signature:         h(a.Signature),
			EthereumAddress:   h(parsed.EthereumAddress),
		})
	}
	return addrs
}

// ---------------------------------------------------------------------------------------------
// postage.json: stamps as bee's stamper signs them (pkg/postage)

type stampV struct {
	Name         string `json:"name"`
	PrivateKey   string `json:"private_key"`
	Owner        string `json:"owner"`
	ChunkAddress string `json:"chunk_address"`
	BatchID      string `json:"batch_id"`
	BatchDepth   uint8  `json:"batch_depth"`
	BucketDepth  uint8  `json:"bucket_depth"`
	Immutable    bool   `json:"immutable"`
	Bucket       uint32 `json:"bucket"`
	Slot         uint32 `json:"slot"`
	Index        string `json:"index"`
	Timestamp    string `json:"timestamp"`
	Digest       string `json:"digest"`
	Signature    string `json:"signature"`
	Stamp        string `json:"stamp"`
	StampHash    string `json:"stamp_hash"`
	Valid        string `json:"valid"`
}

func postageVectors() any {
	return map[string]any{
		"source":       "bee v2.8.1 pkg/postage: ToSignDigest, crypto.NewDefaultSigner(k).Sign (as stamper.Stamp), NewStamp, Stamp.MarshalBinary, Stamp.Hash, Stamp.Valid (its error text in valid)",
		"stamp_size":   postage.StampSize,
		"bucket_depth": postage.BucketDepth,
		"stamps":       stampVectors(),
	}
}

func stampVectors() []stampV {
	chunk := func(label string) swarm.Address { return swarm.NewAddress(keccak([]byte(label))) }
	bucketOf := func(a swarm.Address) uint32 {
		return binary.BigEndian.Uint32(a.Bytes()[:4]) >> (32 - postage.BucketDepth)
	}
	batchID := keccak([]byte("swarmec/bee-wire/batch"))
	ownerKey := keyLabels[0]
	type stampCase struct {
		name      string
		signer    string
		chunk     swarm.Address
		depth     uint8
		immutable bool
		bucket    uint32
		slot      uint32
		timestamp uint64
	}
	c0, c1, c2 := chunk("swarmec/bee-wire/chunk-0"), chunk("swarmec/bee-wire/chunk-1"), chunk("swarmec/bee-wire/chunk-2")
	cases := []stampCase{
		{"first slot", ownerKey, c0, 17, false, bucketOf(c0), 0, 1767225600123456789},
		{"last slot", ownerKey, c1, 20, true, bucketOf(c1), 15, 1},
		{"depth 22", ownerKey, c2, 22, false, bucketOf(c2), 37, 1<<63 - 1},
		{"wrong bucket", ownerKey, c0, 17, false, bucketOf(c0) ^ 1, 0, 1767225600123456789},
		{"slot beyond depth", ownerKey, c1, 20, true, bucketOf(c1), 16, 1},
		{"not the owner", keyLabels[1], c2, 22, false, bucketOf(c2), 37, 1<<63 - 1},
	}
	var stamps []stampV
	for _, c := range cases {
		index := make([]byte, 8)
		binary.BigEndian.PutUint32(index, c.bucket)
		binary.BigEndian.PutUint32(index[4:], c.slot)
		ts := make([]byte, 8)
		binary.BigEndian.PutUint64(ts, c.timestamp)
		// What stamper.Stamp does once the issuer has chosen the index and the timestamp.
		digest := must(postage.ToSignDigest(c.chunk.Bytes(), batchID, index, ts))
		sig := must(crypto.NewDefaultSigner(key(c.signer)).Sign(digest))
		stamp := postage.NewStamp(batchID, index, ts, sig)
		b := must(stamp.MarshalBinary())
		check(len(b) == postage.StampSize, "stamp size %d", len(b))
		owner := ethAddress(key(ownerKey))
		valid := "ok"
		if err := stamp.Valid(c.chunk, owner, c.depth, postage.BucketDepth, c.immutable); err != nil {
			valid = err.Error()
		}
		recovered := must(postage.RecoverBatchOwner(c.chunk, stamp))
		check(bytes.Equal(recovered, ethAddress(key(c.signer))), "recovered owner")
		stamps = append(stamps, stampV{
			Name:         c.name,
			PrivateKey:   h(keyBytes(c.signer)),
			Owner:        h(owner),
			ChunkAddress: h(c.chunk.Bytes()),
			BatchID:      h(batchID),
			BatchDepth:   c.depth,
			BucketDepth:  postage.BucketDepth,
			Immutable:    c.immutable,
			Bucket:       c.bucket,
			Slot:         c.slot,
			Index:        h(index),
			Timestamp:    h(ts),
			Digest:       h(digest),
			Signature:    h(sig),
			Stamp:        h(b),
			StampHash:    h(must(stamp.Hash())),
			Valid:        valid,
		})
	}
	return stamps
}

// ---------------------------------------------------------------------------------------------
// messages.json: protobuf bytes of every message (each protocol's pb package)

type messageV struct {
	Protocol string         `json:"protocol"`
	Message  string         `json:"message"`
	Fields   map[string]any `json:"fields"`
	Bytes    string         `json:"bytes"`
	Frame    string         `json:"frame"`
}

// registered builds a message of an internal bee pb package from gogo/protobuf's registry.
func registered(name string, fields map[string]any) proto.Message {
	t := proto.MessageType(name)
	check(t != nil, "message %s not registered", name)
	v := reflect.New(t.Elem())
	for f, val := range fields {
		field := v.Elem().FieldByName(f)
		check(field.IsValid(), "%s has no field %s", name, f)
		field.Set(reflect.ValueOf(val))
	}
	return v.Interface().(proto.Message)
}

// setField sets a field of a registered message to a value of another registered message
// (the field's pointer type cannot be named outside bee).
func withRegistered(msg proto.Message, field string, val proto.Message) proto.Message {
	reflect.ValueOf(msg).Elem().FieldByName(field).Set(reflect.ValueOf(val))
	return msg
}

func message(protocol, name string, fields map[string]any, m proto.Message) messageV {
	b := must(proto.Marshal(m))
	var frame bytes.Buffer
	w := protobuf.NewWriter(&frame)
	check(w.WriteMsg(m) == nil, "frame %s", name)
	// bee's reader takes the frame back to an equal message.
	back := reflect.New(reflect.TypeOf(m).Elem()).Interface().(proto.Message)
	check(protobuf.NewReader(bytes.NewReader(frame.Bytes())).ReadMsg(back) == nil, "read %s", name)
	check(bytes.Equal(must(proto.Marshal(back)), b), "round trip %s", name)
	if fields == nil {
		fields = map[string]any{}
	}
	return messageV{protocol, name, fields, h(b), h(frame.Bytes())}
}

func unhex(s string) []byte { return must(hex.DecodeString(s)) }

func parseI64(s string) int64 { return must(strconv.ParseInt(s, 10, 64)) }

// bzzFields is a BzzAddress vector as the fields of handshake.BzzAddress and hive.BzzAddress.
func bzzFields(a addrV) map[string]any {
	return map[string]any{
		"Underlay": a.UnderlayBytes, "Signature": a.Signature, "Overlay": a.Overlay, "Nonce": a.Nonce,
		"Timestamp": a.Timestamp, "ChequebookAddress": a.ChequebookAddress,
	}
}

func handshakeBzz(a addrV) proto.Message {
	return registered("handshake.BzzAddress", map[string]any{
		"Underlay": unhex(a.UnderlayBytes), "Signature": unhex(a.Signature), "Overlay": unhex(a.Overlay),
		"Nonce": unhex(a.Nonce), "Timestamp": parseI64(a.Timestamp), "ChequebookAddress": unhex(a.ChequebookAddress),
	})
}

func hiveBzz(a addrV) *hivepb.BzzAddress {
	return &hivepb.BzzAddress{
		Underlay: unhex(a.UnderlayBytes), Signature: unhex(a.Signature), Overlay: unhex(a.Overlay),
		Nonce: unhex(a.Nonce), Timestamp: parseI64(a.Timestamp), ChequebookAddress: unhex(a.ChequebookAddress),
	}
}

func handshakeAck(a addrV, networkID uint64, full bool, welcome string) (map[string]any, proto.Message) {
	m := registered("handshake.Ack", map[string]any{"NetworkID": networkID, "FullNode": full, "WelcomeMessage": welcome})
	fields := map[string]any{"Address": bzzFields(a), "NetworkID": u64(networkID), "FullNode": full, "WelcomeMessage": welcome}
	return fields, withRegistered(m, "Address", handshakeBzz(a))
}

func messageVectors() any {
	addrs := bzzAddresses()
	stamps := stampVectors()
	var msgs []messageV
	add := func(protocol, name string, fields map[string]any, m proto.Message) {
		msgs = append(msgs, message(protocol, name, fields, m))
	}

	// headers: the exchange that opens every stream but the handshake's
	add("headers", "Headers", nil, registered("headers.Headers", nil))
	hs := registered("headers.Headers", nil)
	{
		h1 := registered("headers.Header", map[string]any{"Key": "tracing-span-context", "Value": []byte{1, 2, 3, 4, 5, 6, 7, 8}})
		h2 := registered("headers.Header", map[string]any{"Key": "empty", "Value": []byte(nil)})
		list := reflect.MakeSlice(reflect.ValueOf(hs).Elem().FieldByName("Headers").Type(), 0, 2)
		list = reflect.Append(list, reflect.ValueOf(h1), reflect.ValueOf(h2))
		reflect.ValueOf(hs).Elem().FieldByName("Headers").Set(list)
	}
	add("headers", "Headers", map[string]any{"Headers": []any{
		map[string]any{"Key": "tracing-span-context", "Value": "0102030405060708"},
		map[string]any{"Key": "empty", "Value": ""},
	}}, hs)

	// handshake 15.0.0
	observed := unhex(addrs[1].UnderlayBytes)
	add("handshake", "Syn", map[string]any{"ObservedUnderlay": h(observed)},
		registered("handshake.Syn", map[string]any{"ObservedUnderlay": observed}))
	welcome := "Welcome to the swarm, from swarmec's test vectors ✓"
	ackFields, ack := handshakeAck(addrs[0], 1, true, welcome)
	add("handshake", "Ack", ackFields, ack)
	synAckAckFields, synAckAck := handshakeAck(addrs[1], 10, false, "")
	synAck := registered("handshake.SynAck", nil)
	withRegistered(synAck, "Syn", registered("handshake.Syn", map[string]any{"ObservedUnderlay": unhex(addrs[0].UnderlayBytes)}))
	withRegistered(synAck, "Ack", synAckAck)
	add("handshake", "SynAck", map[string]any{
		"Syn": map[string]any{"ObservedUnderlay": addrs[0].UnderlayBytes},
		"Ack": synAckAckFields,
	}, synAck)
	add("handshake", "BzzAddress", bzzFields(addrs[2]), handshakeBzz(addrs[2]))

	// hive 2.0.0
	add("hive", "Peers", map[string]any{"Peers": []any{bzzFields(addrs[0]), bzzFields(addrs[1]), bzzFields(addrs[2])}},
		&hivepb.Peers{Peers: []*hivepb.BzzAddress{hiveBzz(addrs[0]), hiveBzz(addrs[1]), hiveBzz(addrs[2])}})
	add("hive", "Peers", nil, &hivepb.Peers{})

	// pingpong 1.0.0 (bee answers a greeting g with "{g}")
	add("pingpong", "Ping", map[string]any{"Greeting": "hey"}, &pingpongpb.Ping{Greeting: "hey"})
	add("pingpong", "Pong", map[string]any{"Response": "{hey}"}, &pingpongpb.Pong{Response: "{hey}"})

	// pricing 1.0.0 and pseudosettle 1.0.0: amounts are big.Int.Bytes() (big-endian, no sign)
	threshold := new(big.Int).SetUint64(13500000)
	add("pricing", "AnnouncePaymentThreshold", map[string]any{"PaymentThreshold": h(threshold.Bytes())},
		&pricingpb.AnnouncePaymentThreshold{PaymentThreshold: threshold.Bytes()})
	amount, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	add("pseudosettle", "Payment", map[string]any{"Amount": h(amount.Bytes())}, &pseudosettlepb.Payment{Amount: amount.Bytes()})
	add("pseudosettle", "PaymentAck", map[string]any{"Amount": h(amount.Bytes()), "Timestamp": i64(1767225600)},
		&pseudosettlepb.PaymentAck{Amount: amount.Bytes(), Timestamp: 1767225600})
	add("pseudosettle", "PaymentAck", map[string]any{"Amount": "", "Timestamp": i64(-1)},
		&pseudosettlepb.PaymentAck{Timestamp: -1})

	// pushsync 1.3.1
	st := stamps[0]
	chunkAddr, chunkData, stamp := unhex(st.ChunkAddress), append([]byte{3, 0, 0, 0, 0, 0, 0, 0}, "abc"...), unhex(st.Stamp)
	bigData := bytes.Repeat([]byte{0x5a}, swarm.ChunkWithSpanSize)
	add("pushsync", "Delivery", map[string]any{"Address": h(chunkAddr), "Data": h(chunkData), "Stamp": h(stamp)},
		&pushsyncpb.Delivery{Address: chunkAddr, Data: chunkData, Stamp: stamp})
	add("pushsync", "Delivery", map[string]any{"Address": h(chunkAddr), "Data": h(bigData), "Stamp": h(stamp)},
		&pushsyncpb.Delivery{Address: chunkAddr, Data: bigData, Stamp: stamp})
	r := receipt()
	add("pushsync", "Receipt", map[string]any{
		"Address": r.ChunkAddress, "Signature": r.Signature, "Nonce": r.Nonce, "Err": "", "StorageRadius": r.StorageRadius,
	}, &pushsyncpb.Receipt{Address: unhex(r.ChunkAddress), Signature: unhex(r.Signature), Nonce: unhex(r.Nonce), StorageRadius: r.StorageRadius})
	add("pushsync", "Receipt", map[string]any{
		"Address": h(chunkAddr), "Signature": "", "Nonce": "", "Err": "shallow receipt", "StorageRadius": 0,
	}, &pushsyncpb.Receipt{Address: chunkAddr, Err: "shallow receipt"})

	// retrieval 1.4.0
	add("retrieval", "Request", map[string]any{"Addr": h(chunkAddr)}, &retrievalpb.Request{Addr: chunkAddr})
	add("retrieval", "Delivery", map[string]any{"Data": h(chunkData), "Stamp": h(stamp), "Err": ""},
		&retrievalpb.Delivery{Data: chunkData, Stamp: stamp})
	add("retrieval", "Delivery", map[string]any{"Data": "", "Stamp": "", "Err": "not found"},
		&retrievalpb.Delivery{Err: "not found"})

	// status 1.1.3
	add("status", "Get", nil, registered("status.Get", nil))
	snapshot := map[string]any{
		"ReserveSize": uint64(4194304), "PullsyncRate": 12.375, "StorageRadius": uint32(11),
		"ConnectedPeers": uint64(153), "NeighborhoodSize": uint64(7), "BeeMode": "full",
		"BatchCommitment": uint64(1) << 40, "IsReachable": true, "ReserveSizeWithinRadius": uint64(3999999),
		"LastSyncedBlock": uint64(41234567), "CommittedDepth": uint32(12),
		"Metrics": map[string]string{"swarmec_metric": "1.5"},
	}
	add("status", "Snapshot", map[string]any{
		"ReserveSize": u64(4194304), "PullsyncRate": 12.375, "StorageRadius": 11,
		"ConnectedPeers": u64(153), "NeighborhoodSize": u64(7), "BeeMode": "full",
		"BatchCommitment": u64(1 << 40), "IsReachable": true, "ReserveSizeWithinRadius": u64(3999999),
		"LastSyncedBlock": u64(41234567), "CommittedDepth": 12,
		"Metrics": map[string]string{"swarmec_metric": "1.5"},
	}, registered("status.Snapshot", snapshot))

	// pullsync 1.4.0
	add("pullsync", "Syn", nil, &pullsyncpb.Syn{})
	cursors := []uint64{0, 1, 300, 1<<64 - 1}
	add("pullsync", "Ack", map[string]any{"Cursors": []string{u64(0), u64(1), u64(300), u64(1<<64 - 1)}, "Epoch": u64(1767225600)},
		&pullsyncpb.Ack{Cursors: cursors, Epoch: 1767225600})
	add("pullsync", "Get", map[string]any{"Bin": 5, "Start": u64(1000)}, &pullsyncpb.Get{Bin: 5, Start: 1000})
	add("pullsync", "Get", map[string]any{"Bin": -1, "Start": u64(0)}, &pullsyncpb.Get{Bin: -1})
	stampHash := unhex(st.StampHash)
	batchID := unhex(st.BatchID)
	add("pullsync", "Offer", map[string]any{"Topmost": u64(77), "Chunks": []any{
		map[string]any{"Address": h(chunkAddr), "BatchID": h(batchID), "StampHash": h(stampHash)},
		map[string]any{"Address": h(batchID), "BatchID": h(batchID), "StampHash": ""},
	}}, &pullsyncpb.Offer{Topmost: 77, Chunks: []*pullsyncpb.Chunk{
		{Address: chunkAddr, BatchID: batchID, StampHash: stampHash},
		{Address: batchID, BatchID: batchID},
	}})
	add("pullsync", "Want", map[string]any{"BitVector": "a5"}, &pullsyncpb.Want{BitVector: []byte{0xa5}})
	add("pullsync", "Delivery", map[string]any{"Address": h(chunkAddr), "Data": h(chunkData), "Stamp": h(stamp)},
		&pullsyncpb.Delivery{Address: chunkAddr, Data: chunkData, Stamp: stamp})

	type protocolV struct {
		Name     string `json:"name"`
		Version  string `json:"version"`
		Stream   string `json:"stream"`
		StreamID string `json:"stream_id"`
	}
	var protocols []protocolV
	// Names and versions as declared in each bee package (v2.8.1), joined by bee's own rule.
	for _, p := range [][3]string{
		{"handshake", "15.0.0", "handshake"},
		{"hive", "2.0.0", "peers"},
		{"pingpong", "1.0.0", "pingpong"},
		{"pricing", "1.0.0", "pricing"},
		{"pseudosettle", "1.0.0", "pseudosettle"},
		{"pushsync", "1.3.1", "pushsync"},
		{"retrieval", "1.4.0", "retrieval"},
		{"status", "1.1.3", "status"},
		{"pullsync", "1.4.0", "pullsync"},
		{"pullsync", "1.4.0", "cursors"},
	} {
		protocols = append(protocols, protocolV{p[0], p[1], p[2], p2p.NewSwarmStreamName(p[0], p[1], p[2])})
	}

	return map[string]any{
		"source":    "bee v2.8.1 pb packages: gogo/protobuf Marshal of each generated type; frame is pkg/p2p/protobuf's Writer (uvarint length, then the message), read back by its Reader",
		"protocols": protocols,
		"receipt":   r,
		"messages":  msgs,
	}
}

type receiptV struct {
	PrivateKey    string `json:"private_key"`
	NetworkID     string `json:"network_id"`
	Nonce         string `json:"nonce"`
	Overlay       string `json:"overlay"`
	ChunkAddress  string `json:"chunk_address"`
	Signature     string `json:"signature"`
	StorageRadius uint32 `json:"storage_radius"`
}

// receipt is a pushsync receipt as a storer signs it (pushsync.go: signer.Sign(chunk address))
// and as the origin checks it (crypto.Recover, then crypto.NewOverlayAddress with the receipt's
// nonce must give the storer's overlay).
func receipt() receiptV {
	k := key(keyLabels[1])
	nonce := nonces()[3]
	chunkAddr := keccak([]byte("swarmec/bee-wire/chunk-0"))
	sig := must(crypto.NewDefaultSigner(k).Sign(chunkAddr))
	pub := must(crypto.Recover(sig, chunkAddr))
	overlay := must(crypto.NewOverlayAddress(*pub, 10, nonce))
	check(overlay.Equal(must(crypto.NewOverlayAddress(k.PublicKey, 10, nonce))), "receipt overlay")
	return receiptV{h(keyBytes(keyLabels[1])), u64(10), h(nonce), h(overlay.Bytes()), h(chunkAddr), h(sig), 8}
}

func must0(err error) {
	if err != nil {
		fail(err)
	}
}

// ---------------------------------------------------------------------------------------------
// keystore.json: bee's encrypted key file (pkg/keystore/file)

// keystoreVectors creates a key file with bee's keystore, or, when outDir already holds
// keystore.json, checks that bee's keystore still opens it to the recorded key and keeps it (bee
// draws the key, salt and IV at random, so a fresh file would change on every run).
func keystoreVectors(outDir string) any {
	const source = "bee v2.8.1 pkg/keystore/file: Service.Key(\"swarm\", password, crypto.EDGSecp256_K1) created key_file (keys/swarm.key); bee draws key, salt and IV at random, so the generator keeps this file once it exists, after checking that bee's keystore opens it to private_key"
	password := "swarmec test password ✓"
	dir := must(os.MkdirTemp("", "swarmec-keystore"))
	defer os.RemoveAll(dir)
	ks := keystorefile.New(dir)

	type keystoreV struct {
		Source          string `json:"source"`
		Password        string `json:"password"`
		KeyFile         string `json:"key_file"`
		PrivateKey      string `json:"private_key"`
		EthereumAddress string `json:"ethereum_address"`
	}
	var v keystoreV
	if old, err := os.ReadFile(filepath.Join(outDir, "keystore.json")); err == nil {
		must0(json.Unmarshal(old, &v))
		must0(os.WriteFile(filepath.Join(dir, "swarm.key"), []byte(v.KeyFile), 0o600))
	} else {
		k, created := must2(ks.Key("swarm", password, crypto.EDGSecp256_K1))
		check(created, "key not created")
		v = keystoreV{
			KeyFile:         string(must(os.ReadFile(filepath.Join(dir, "swarm.key")))),
			PrivateKey:      h(must(crypto.EncodeSecp256k1PrivateKey(k))),
			EthereumAddress: h(ethAddress(k)),
		}
	}
	v.Source, v.Password = source, password
	k, created := must2(ks.Key("swarm", password, crypto.EDGSecp256_K1))
	check(!created, "key file not found")
	check(h(must(crypto.EncodeSecp256k1PrivateKey(k))) == v.PrivateKey, "key file opens to another key")
	check(h(ethAddress(k)) == v.EthereumAddress, "key file has another address")
	_, _, err := ks.Key("swarm", password+"x", crypto.EDGSecp256_K1)
	check(errors.Is(err, keystore.ErrInvalidPassword), "wrong password: %v", err)
	return v
}
