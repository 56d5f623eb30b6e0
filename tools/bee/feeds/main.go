// Command feeds writes golden test vectors for swarmec's single-owner chunk and feed endpoints,
// produced by bee v2.8.1's own code: feed manifests as bee's POST /feeds builds them
// (pkg/api/feed.go: manifest.NewDefaultManifest, the "/" entry with the zero reference and the
// swarm-feed-owner / swarm-feed-topic / swarm-feed-type metadata, stored through pkg/file/loadsave
// and the unencrypted pipeline at the request's redundancy level), sequence-feed update ids and
// addresses (pkg/feeds, pkg/feeds/sequence), and signed single-owner chunks (pkg/soc, pkg/crypto).
//
// Inputs are fixed (private keys are keccak256 of labels), so a run reproduces the committed files.
//
//	cd tools/bee && go run ./feeds -out ../../fixtures/feeds
package main

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethersphere/bee/v2/pkg/cac"
	"github.com/ethersphere/bee/v2/pkg/crypto"
	"github.com/ethersphere/bee/v2/pkg/feeds"
	"github.com/ethersphere/bee/v2/pkg/file/loadsave"
	"github.com/ethersphere/bee/v2/pkg/file/pipeline"
	"github.com/ethersphere/bee/v2/pkg/file/pipeline/builder"
	"github.com/ethersphere/bee/v2/pkg/file/redundancy"
	"github.com/ethersphere/bee/v2/pkg/manifest"
	"github.com/ethersphere/bee/v2/pkg/soc"
	"github.com/ethersphere/bee/v2/pkg/storage"
	"github.com/ethersphere/bee/v2/pkg/swarm"
)

func main() {
	out := flag.String("out", "fixtures/feeds", "directory to write the JSON files into")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	write(*out, "manifests.json", manifests())
	write(*out, "updates.json", updates())
	write(*out, "socs.json", socs())
}

func write(dir, name string, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		fail(err)
	}
	data = append(data, '\n')
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		fail(err)
	}
	fmt.Println(path)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "feeds:", err)
	os.Exit(1)
}

func must[T any](v T, err error) T {
	if err != nil {
		fail(err)
	}
	return v
}

func h(b []byte) string { return hex.EncodeToString(b) }

func keccak(data []byte) []byte { return must(crypto.LegacyKeccak256(data)) }

func signer(label string) crypto.Signer {
	return crypto.NewDefaultSigner(must(crypto.DecodeSecp256k1PrivateKey(keccak([]byte(label)))))
}

type memStore struct {
	mu     sync.Mutex
	chunks map[string][]byte
}

func newStore() *memStore { return &memStore{chunks: map[string][]byte{}} }

func (s *memStore) Put(_ context.Context, ch swarm.Chunk) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chunks[ch.Address().ByteString()] = append([]byte{}, ch.Data()...)
	return nil
}

func (s *memStore) Get(_ context.Context, addr swarm.Address) (swarm.Chunk, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.chunks[addr.ByteString()]
	if !ok {
		return nil, storage.ErrNotFound
	}
	return swarm.NewChunk(addr, d), nil
}

type chunkJSON struct {
	Address string `json:"address"`
	Data    string `json:"data,omitempty"`
}

func (s *memStore) sorted(withData bool) []chunkJSON {
	out := make([]chunkJSON, 0, len(s.chunks))
	for a, d := range s.chunks {
		c := chunkJSON{Address: h([]byte(a))}
		if withData {
			c.Data = h(d)
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out
}

// ---------------------------------------------------------------------------------------------
// Feed manifests, as feedPostHandler builds them.

type manifestJSON struct {
	Owner     string            `json:"owner"`
	Topic     string            `json:"topic"`
	Level     uint8             `json:"level"`
	Metadata  map[string]string `json:"metadata"`
	Reference string            `json:"reference"`
	Chunks    []chunkJSON       `json:"chunks"`
}

func feedManifest(owner common.Address, topic []byte, level redundancy.Level) manifestJSON {
	ctx := context.Background()
	st := newStore()
	factory := func() pipeline.Interface { return builder.NewPipelineBuilder(ctx, st, false, level) }
	ls := loadsave.New(st, st, factory, level)
	m := must(manifest.NewDefaultManifest(ls, false))
	meta := map[string]string{
		"swarm-feed-owner": hex.EncodeToString(owner.Bytes()),
		"swarm-feed-topic": hex.EncodeToString(topic),
		"swarm-feed-type":  feeds.Sequence.String(),
	}
	if err := m.Add(ctx, "/", manifest.NewEntry(swarm.NewAddress(make([]byte, 32)), meta)); err != nil {
		fail(err)
	}
	ref := must(m.Store(ctx))
	return manifestJSON{
		Owner: h(owner.Bytes()), Topic: h(topic), Level: uint8(level), Metadata: meta,
		Reference: ref.String(), Chunks: st.sorted(level == redundancy.NONE),
	}
}

func manifests() any {
	owner := must(signer("swarmec/feeds/key-0").EthereumAddress())
	topic := keccak([]byte("swarmec/feeds/topic-0"))
	var cases []manifestJSON
	for _, lvl := range []redundancy.Level{redundancy.NONE, redundancy.MEDIUM, redundancy.STRONG, redundancy.INSANE, redundancy.PARANOID} {
		cases = append(cases, feedManifest(owner, topic, lvl))
	}
	// A short topic (bee takes any length) and another owner.
	other := common.HexToAddress("0x8d3766440f0d7b949a5e32995d09619a7f86e632")
	cases = append(cases, feedManifest(other, []byte{0xab, 0xcd}, redundancy.NONE))
	cases = append(cases, feedManifest(other, []byte{0xab, 0xcd}, redundancy.MEDIUM))
	return map[string]any{
		"source":    "bee v2.8.1 pkg/api/feed.go feedPostHandler: manifest.NewDefaultManifest(loadsave.New(.., builder.NewPipelineBuilder(ctx, putter, false, level), level), false), Add(\"/\", NewEntry(zero address, metadata)), Store",
		"manifests": cases,
	}
}

// ---------------------------------------------------------------------------------------------
// Sequence feed updates, as feeds.Putter writes them.

type index uint64

func (i index) MarshalBinary() ([]byte, error) {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(i))
	return b, nil
}
func (i index) Next(int64, uint64) feeds.Index { return i + 1 }
func (i index) String() string                 { return fmt.Sprint(uint64(i)) }

type updateJSON struct {
	Index   uint64 `json:"index"`
	ID      string `json:"id"`
	Address string `json:"address"`
	Payload string `json:"payload"`
	Data    string `json:"data"`
}

type feedJSON struct {
	KeyLabel string       `json:"key_label"`
	Secret   string       `json:"secret"`
	Owner    string       `json:"owner"`
	Topic    string       `json:"topic"`
	Updates  []updateJSON `json:"updates"`
}

func feed(label string, topic []byte, payloads [][]byte, indexes []uint64) feedJSON {
	ctx := context.Background()
	sg := signer(label)
	st := newStore()
	p := must(feeds.NewPutter(st, sg, topic))
	out := feedJSON{
		KeyLabel: label, Secret: h(keccak([]byte(label))),
		Owner: h(p.Owner.Bytes()), Topic: h(topic),
	}
	for n, i := range indexes {
		if err := p.Put(ctx, index(i), payloads[n]); err != nil {
			fail(err)
		}
		id := must(feeds.Id(topic, index(i)))
		addr := must(p.Feed.Update(index(i)).Address())
		ch := must(st.Get(ctx, addr))
		if !soc.Valid(ch) {
			fail(fmt.Errorf("update %d not valid", i))
		}
		out.Updates = append(out.Updates, updateJSON{i, h(id), addr.String(), h(payloads[n]), h(ch.Data())})
	}
	return out
}

func updates() any {
	topic := keccak([]byte("swarmec/feeds/topic-0"))
	var payloads [][]byte
	for i := 0; i < 4; i++ {
		// bee-js's updateFeedWithReference payload: 8-byte big-endian timestamp, then a reference.
		p := make([]byte, 8)
		binary.BigEndian.PutUint64(p, uint64(1700000000+i))
		p = append(p, keccak([]byte(fmt.Sprintf("swarmec/feeds/ref-%d", i)))...)
		payloads = append(payloads, p)
	}
	big := []uint64{0, 1, 255, 1 << 32, ^uint64(0)}
	var bigPayloads [][]byte
	for _, i := range big {
		bigPayloads = append(bigPayloads, []byte(fmt.Sprintf("update %d", i)))
	}
	return map[string]any{
		"source": "bee v2.8.1 pkg/feeds: NewPutter(store, crypto.NewDefaultSigner(key), topic).Put(index as 8-byte big-endian, payload) (soc.New(feeds.Id(topic, index), cac.New(payload)).Sign), Update(index).Address(); each checked with soc.Valid",
		"feeds": []feedJSON{
			feed("swarmec/feeds/key-0", topic, payloads, []uint64{0, 1, 2, 3}),
			feed("swarmec/feeds/key-1", []byte("short topic"), bigPayloads, big),
		},
	}
}

// ---------------------------------------------------------------------------------------------
// Single-owner chunks, as POST /soc receives them (id and owner in the path, the signature in the
// query, span and payload in the body).

type socJSON struct {
	KeyLabel  string `json:"key_label"`
	Secret    string `json:"secret"`
	Owner     string `json:"owner"`
	ID        string `json:"id"`
	Body      string `json:"body"`
	Signature string `json:"signature"`
	Address   string `json:"address"`
	Data      string `json:"data"`
}

func socs() any {
	var out []socJSON
	for n, payload := range [][]byte{[]byte("hello soc"), {}, make([]byte, swarm.ChunkSize)} {
		label := fmt.Sprintf("swarmec/feeds/soc-key-%d", n)
		sg := signer(label)
		id := keccak([]byte(fmt.Sprintf("swarmec/feeds/soc-id-%d", n)))
		ch := must(cac.New(payload))
		sch := must(soc.New(id, ch).Sign(sg))
		if !soc.Valid(sch) {
			fail(fmt.Errorf("soc %d not valid", n))
		}
		s := must(soc.FromChunk(sch))
		out = append(out, socJSON{
			KeyLabel: label, Secret: h(keccak([]byte(label))),
			Owner: h(s.OwnerAddress()), ID: h(id), Body: h(ch.Data()), Signature: h(s.Signature()),
			Address: sch.Address().String(), Data: h(sch.Data()),
		})
	}
	return map[string]any{
		"source": "bee v2.8.1 pkg/soc: New(id, cac.New(payload)).Sign(crypto.NewDefaultSigner(key)), FromChunk(..).OwnerAddress / Signature; body is the wrapped chunk's span and payload",
		"socs":   out,
	}
}
