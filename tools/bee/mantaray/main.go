// Command mantaray writes golden test vectors for swarmec's manifests: mantaray tries built, saved,
// reloaded, walked and looked up by bee's own code (pkg/manifest, pkg/manifest/mantaray,
// pkg/file/loadsave, pkg/file/pipeline/builder), the way bee's API builds them for POST /bzz.
//
// Every value is produced by bee's code at the version this module requires; this program only
// chooses the inputs and writes JSON. Inputs are fixed, so a run reproduces the committed files.
//
//	cd tools/bee && go run ./mantaray -out ../../fixtures/mantaray
//
// Each file is one case: the ordered Add calls (path, entry, metadata), the root reference after
// Store, every chunk the store wrote (manifest nodes, their intermediate and parity chunks and the
// root's replicas; with their data at level 0, addresses only above), the trie as bee's walker sees it after reloading it from those chunks, and a few
// lookups. "file" and "collection" cases add entries exactly as bee's fileUploadHandler and storeDir
// do (pkg/api/bzz.go, pkg/api/dirs.go): a zero obfuscation key, file chunks through the same
// pipeline, the root "/" entry with the website documents.
package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/ethersphere/bee/v2/pkg/file/loadsave"
	"github.com/ethersphere/bee/v2/pkg/file/pipeline"
	"github.com/ethersphere/bee/v2/pkg/file/pipeline/builder"
	"github.com/ethersphere/bee/v2/pkg/file/redundancy"
	"github.com/ethersphere/bee/v2/pkg/manifest"
	"github.com/ethersphere/bee/v2/pkg/manifest/mantaray"
	"github.com/ethersphere/bee/v2/pkg/storage"
	"github.com/ethersphere/bee/v2/pkg/swarm"
)

func main() {
	out := flag.String("out", "fixtures/mantaray", "directory to write the JSON files into")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	for _, c := range cases() {
		v := build(c)
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			fail(err)
		}
		data = append(data, '\n')
		path := filepath.Join(*out, c.name+".json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			fail(err)
		}
		fmt.Println(path)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "mantaray:", err)
	os.Exit(1)
}

func must[T any](v T, err error) T {
	if err != nil {
		fail(err)
	}
	return v
}

func h(b []byte) string { return hex.EncodeToString(b) }

// ---------------------------------------------------------------------------------------------
// A chunk store that records what was put.

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

// sorted lists the stored chunks by address; with data only when withData (at redundancy levels
// above 0 the addresses alone pin the parity chunks and replicas down, and keep the files small).
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
// Cases

// A collection file's content type is the one bee's tar reader gives its extension
// (mime.TypeByExtension, Go's built-in table), so that the same files sent as a tar to POST /bzz
// give the same manifest.
type file struct {
	path        string
	contentType string
	data        string
}

type add struct {
	path     []byte
	entry    []byte
	metadata map[string]string
}

type testCase struct {
	name        string
	description string
	kind        string // "file", "collection" or "raw"
	level       redundancy.Level
	// file and collection
	files         []file
	indexDocument string
	errorDocument string
	// raw
	adds           []add
	obfuscationKey []byte // raw: nil draws it from obfuscationKeyFill
	lookups        []string
}

func fileData(path string) string {
	return strings.Repeat("content of "+path+"\n", 3)
}

func site() []file {
	return []file{
		{"index.html", "text/html; charset=utf-8", "<h1>home</h1>\n"},
		{"404.html", "text/html; charset=utf-8", "<h1>not here</h1>\n"},
		{"css/style.css", "text/css; charset=utf-8", "body { color: red }\n"},
		{"img/logo.png", "image/png", "\x89PNG\r\n\x1a\nnot really"},
		{"docs/index.html", "text/html; charset=utf-8", "<h1>docs</h1>\n"},
		{"docs/guide/intro.md", "", "# intro\n"},
		{"docs/guide/setup.md", "", "# setup\n"},
		{"docs/api.json", "application/json", "{}\n"},
		{"docs/a", "", "a file that is a prefix of a directory name"},
		{"docs/ab/c.txt", "text/plain; charset=utf-8", "c"},
	}
}

func cases() []testCase {
	var cs []testCase

	cs = append(cs, testCase{
		name:        "file-level0",
		description: "POST /bzz of one file: ?name=hello.txt, Content-Type text/plain, redundancy level 0",
		kind:        "file",
		level:       redundancy.NONE,
		files:       []file{{"hello.txt", "text/plain; charset=utf-8", "hello swarm\n"}},
		lookups:     []string{"hello.txt", "/", "", "hello", "hello.txt/", "nope"},
	})
	cs = append(cs, testCase{
		name:        "file-level2",
		description: "POST /bzz of one 10000-byte file at redundancy level 2 (manifest chunks with parity and replicas)",
		kind:        "file",
		level:       redundancy.STRONG,
		files:       []file{{"data.bin", "application/octet-stream", strings.Repeat("0123456789", 1000)}},
		lookups:     []string{"data.bin"},
	})
	cs = append(cs, testCase{
		name:        "file-escapes",
		description: "a file name and content type that Go's JSON encoder escapes (quotes, <, >, &, non-ASCII)",
		kind:        "file",
		level:       redundancy.NONE,
		files:       []file{{"a \"quoted\" <b>&c é.txt", "text/html; charset=\"utf-8\" <x>", "escape me\n"}},
		lookups:     []string{"a \"quoted\" <b>&c é.txt"},
	})
	for _, lvl := range []redundancy.Level{redundancy.NONE, redundancy.MEDIUM, redundancy.STRONG, redundancy.INSANE, redundancy.PARANOID} {
		cs = append(cs, testCase{
			name:          fmt.Sprintf("site-level%d", lvl),
			description:   fmt.Sprintf("a tar collection with nested paths, index and error documents, redundancy level %d", lvl),
			kind:          "collection",
			level:         lvl,
			files:         site(),
			indexDocument: "index.html",
			errorDocument: "404.html",
			lookups:       []string{"index.html", "docs/guide/intro.md", "docs/", "docs/a", "docs/ab/c.txt", "docs/guide", "missing", "/"},
		})
	}
	cs = append(cs, testCase{
		name:        "collection-no-documents",
		description: "a tar collection without index or error documents: no root / entry",
		kind:        "collection",
		level:       redundancy.NONE,
		files:       site()[2:6],
		lookups:     []string{"css/style.css", "/"},
	})
	var many []file
	for c := byte('!'); c <= '~'; c++ {
		if c == '/' {
			continue
		}
		p := fmt.Sprintf("%c%02d.txt", c, c%17)
		many = append(many, file{p, "text/plain; charset=utf-8", fileData(p)})
	}
	for _, lvl := range []redundancy.Level{redundancy.NONE, redundancy.INSANE} {
		cs = append(cs, testCase{
			name:        fmt.Sprintf("many-forks-level%d", lvl),
			description: "93 files whose names start with distinct bytes: a root node of several chunks",
			kind:        "collection",
			level:       lvl,
			files:       many,
			lookups:     []string{"!16.txt", "~07.txt", "a12.txt", "a", "zz"},
		})
	}
	long := strings.Repeat("deep/", 15) // 75 bytes
	cs = append(cs, testCase{
		name:        "long-prefixes",
		description: "paths over 30 bytes (prefixes cut into continuation nodes), shared prefixes of 40+ bytes split later, a path that is a prefix of another",
		kind:        "collection",
		level:       redundancy.NONE,
		files: []file{
			{long + "file-one.txt", "text/plain; charset=utf-8", "one"},
			{long + "file-two.txt", "text/plain; charset=utf-8", "two"},
			{long[:42] + "branch/x", "", "x"},
			{"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.txt", "text/plain; charset=utf-8", "alphabet"},
			{"abcdefghijklmnopqrstuvwxyz0123456789", "", "prefix of the above"},
			{"ab", "", "short"},
			{"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.txt.bak", "", "longer still"},
		},
		indexDocument: "index.html",
		lookups:       []string{long + "file-one.txt", long[:42] + "branch/x", "ab", "abc", "abcdefghijklmnopqrstuvwxyz0123456789", long},
	})
	var pad []file
	for n := 1; n <= 40; n++ {
		p := strings.Repeat("p", n)
		pad = append(pad, file{"pad/" + p, "", p})
	}
	cs = append(cs, testCase{
		name:        "metadata-padding",
		description: "file names of 1 to 40 bytes: metadata JSON of every length modulo 32 (bee pads to a multiple of 32, a whole extra 32 when already aligned)",
		kind:        "collection",
		level:       redundancy.NONE,
		files:       pad,
		lookups:     []string{"pad/ppp"},
	})

	// Raw mantaray tries: a drawn (non-zero) obfuscation key, small metadata,
	// entries added in an order that splits existing forks, paths with a leading slash.
	entry := func(i int) []byte {
		b := make([]byte, 32)
		for j := range b {
			b[j] = byte(i*7 + j)
		}
		return b
	}
	cs = append(cs, testCase{
		name:        "raw-obfuscated",
		description: "mantaray directly: obfuscation key drawn from a fixed pattern, small metadata padded to 30 bytes, forks split by later adds, a leading slash",
		kind:        "raw",
		level:       redundancy.NONE,
		adds: []add{
			{[]byte("img/1.png"), entry(1), map[string]string{"a": "b"}},
			{[]byte("img/2.png"), entry(2), nil},
			{[]byte("img"), entry(3), nil},
			{[]byte("/root/file"), entry(4), map[string]string{"Content-Type": "x"}},
			{[]byte("i"), entry(5), nil},
			{[]byte("index.html"), entry(6), map[string]string{}},
			{[]byte(strings.Repeat("L", 61)), entry(7), map[string]string{"k": strings.Repeat("v", 100)}},
		},
		lookups: []string{"img/1.png", "img", "i", "/root/file", "index.html", "im", strings.Repeat("L", 61), strings.Repeat("L", 30)},
	})
	cs = append(cs, testCase{
		name:           "raw-zero-key-32",
		description:    "mantaray directly with the zero key and 32-byte entries, directories added with empty entries",
		kind:           "raw",
		level:          redundancy.NONE,
		obfuscationKey: make([]byte, 32),
		adds: []add{
			{[]byte("dir/"), nil, nil},
			{[]byte("dir/file"), entry(1), map[string]string{"Filename": "file"}},
			{[]byte("other"), entry(2), nil},
		},
		lookups: []string{"dir/", "dir/file", "other", "dir"},
	})
	return cs
}

// ---------------------------------------------------------------------------------------------
// Building a case

type addJSON struct {
	Path     string            `json:"path"`
	Entry    string            `json:"entry"`
	Metadata map[string]string `json:"metadata"`
}

type fileJSON struct {
	Path        string `json:"path"`
	ContentType string `json:"content_type"`
	Data        string `json:"data"`
	Reference   string `json:"reference"`
}

type nodeJSON struct {
	Path      string            `json:"path"`
	Type      uint8             `json:"type"`
	Entry     string            `json:"entry"`
	Metadata  map[string]string `json:"metadata"`
	Reference string            `json:"reference"`
}

type lookupJSON struct {
	Path      string            `json:"path"`
	Found     bool              `json:"found"`
	Entry     string            `json:"entry,omitempty"`
	Metadata  map[string]string `json:"metadata,omitempty"`
	HasPrefix bool              `json:"has_prefix"`
}

type caseJSON struct {
	Name           string       `json:"name"`
	Description    string       `json:"description"`
	Kind           string       `json:"kind"`
	Level          uint8        `json:"level"`
	Encrypt        bool         `json:"encrypt"`
	IndexDocument  string       `json:"index_document"`
	ErrorDocument  string       `json:"error_document"`
	ObfuscationKey string       `json:"obfuscation_key"`
	Files          []fileJSON   `json:"files"`
	Adds           []addJSON    `json:"adds"`
	Reference      string       `json:"reference"`
	Chunks         []chunkJSON  `json:"chunks"`
	Nodes          []nodeJSON   `json:"nodes"`
	Lookups        []lookupJSON `json:"lookups"`
}

// The pattern raw cases draw their obfuscation key from.
func obfuscationKeyFill(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(0xa5 ^ (i * 13))
	}
	return len(b), nil
}

func build(c testCase) caseJSON {
	ctx := context.Background()
	files := newStore()
	manifests := newStore()
	factory := func() pipeline.Interface { return builder.NewPipelineBuilder(ctx, manifests, false, c.level) }
	ls := loadsave.New(manifests, manifests, factory, c.level)

	out := caseJSON{
		Name: c.name, Description: c.description, Kind: c.kind, Level: uint8(c.level),
		IndexDocument: c.indexDocument, ErrorDocument: c.errorDocument,
		Files: []fileJSON{}, Adds: []addJSON{}, Nodes: []nodeJSON{}, Lookups: []lookupJSON{},
	}
	record := func(path []byte, entry []byte, md map[string]string) {
		if md == nil {
			md = map[string]string{}
		}
		out.Adds = append(out.Adds, addJSON{h(path), h(entry), md})
	}

	var root swarm.Address
	switch c.kind {
	case "file", "collection":
		out.ObfuscationKey = h(make([]byte, 32))
		m := must(manifest.NewDefaultManifest(ls, false))
		addEntry := func(path string, ref swarm.Address, md map[string]string) {
			record([]byte(path), ref.Bytes(), md)
			if err := m.Add(ctx, path, manifest.NewEntry(ref, md)); err != nil {
				fail(fmt.Errorf("%s: add %q: %w", c.name, path, err))
			}
		}
		store := func(f file) swarm.Address {
			pipe := builder.NewPipelineBuilder(ctx, files, false, c.level)
			ref := must(builder.FeedPipeline(ctx, pipe, strings.NewReader(f.data)))
			out.Files = append(out.Files, fileJSON{f.path, f.contentType, h([]byte(f.data)), ref.String()})
			return ref
		}
		if c.kind == "file" {
			// bee's fileUploadHandler: the file, then "/" with the index document, then the file entry.
			f := c.files[0]
			ref := store(f)
			addEntry(manifest.RootPath, swarm.ZeroAddress, map[string]string{manifest.WebsiteIndexDocumentSuffixKey: f.path})
			addEntry(f.path, ref, map[string]string{
				manifest.EntryMetadataContentTypeKey: f.contentType,
				manifest.EntryMetadataFilenameKey:    f.path,
			})
		} else {
			// bee's storeDir: each file in tar order, then "/" if there are website documents.
			for _, f := range c.files {
				ref := store(f)
				addEntry(f.path, ref, map[string]string{
					manifest.EntryMetadataContentTypeKey: f.contentType,
					manifest.EntryMetadataFilenameKey:    filepath.Base(f.path),
				})
			}
			if c.indexDocument != "" || c.errorDocument != "" {
				md := map[string]string{}
				if c.indexDocument != "" {
					md[manifest.WebsiteIndexDocumentSuffixKey] = c.indexDocument
				}
				if c.errorDocument != "" {
					md[manifest.WebsiteErrorDocumentPathKey] = c.errorDocument
				}
				addEntry(manifest.RootPath, swarm.ZeroAddress, md)
			}
		}
		root = must(m.Store(ctx))
	case "raw":
		n := mantaray.New()
		if c.obfuscationKey != nil {
			n.SetObfuscationKey(c.obfuscationKey)
			out.ObfuscationKey = h(c.obfuscationKey)
		} else {
			mantaray.SetObfuscationKeyFn(obfuscationKeyFill)
			k := make([]byte, 32)
			_, _ = obfuscationKeyFill(k)
			out.ObfuscationKey = h(k)
		}
		for _, a := range c.adds {
			record(a.path, a.entry, a.metadata)
			if err := n.Add(ctx, a.path, a.entry, a.metadata, ls); err != nil {
				fail(fmt.Errorf("%s: add %q: %w", c.name, a.path, err))
			}
		}
		if err := n.Save(ctx, ls); err != nil {
			fail(err)
		}
		root = swarm.NewAddress(n.Reference())
	default:
		fail(errors.New("unknown kind " + c.kind))
	}
	out.Reference = root.String()
	out.Chunks = manifests.sorted(c.level == redundancy.NONE)

	// Reload from the stored chunks alone, read-only, as bee's GET /bzz does.
	rls := loadsave.NewReadonly(manifests, manifests, redundancy.PARANOID)
	trie := mantaray.NewNodeRef(root.Bytes())
	err := trie.WalkNode(ctx, []byte{}, rls, func(path []byte, n *mantaray.Node, err error) error {
		if err != nil {
			return err
		}
		md := n.Metadata()
		if md == nil {
			md = map[string]string{}
		}
		var typ uint8
		if n.IsValueType() {
			typ |= 2
		}
		if n.IsEdgeType() {
			typ |= 4
		}
		if n.IsWithPathSeparatorType() {
			typ |= 8
		}
		if n.IsWithMetadataType() {
			typ |= 16
		}
		out.Nodes = append(out.Nodes, nodeJSON{h(path), typ, h(n.Entry()), md, h(n.Reference())})
		return nil
	})
	if err != nil {
		fail(fmt.Errorf("%s: walk: %w", c.name, err))
	}
	m := must(manifest.NewDefaultManifestReference(root, rls))
	for _, p := range c.lookups {
		l := lookupJSON{Path: h([]byte(p))}
		e, err := m.Lookup(ctx, p)
		switch {
		case err == nil:
			l.Found = true
			l.Entry = h(e.Reference().Bytes())
			l.Metadata = e.Metadata()
		case errors.Is(err, manifest.ErrNotFound):
		default:
			fail(fmt.Errorf("%s: lookup %q: %w", c.name, p, err))
		}
		l.HasPrefix = must(m.HasPrefix(ctx, p))
		out.Lookups = append(out.Lookups, l)
	}
	if !bytes.Equal(root.Bytes(), must(hex.DecodeString(out.Reference))) {
		fail(errors.New("reference mismatch"))
	}
	return out
}
