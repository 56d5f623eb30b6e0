// Drives `swarmec api` with the real bee-js client: uploads at every redundancy level and encrypted,
// references compared with `swarmec hash`, downloads with every retrieval strategy. The calls that a
// node answers (postage batches, stewardship, node status, folder uploads) also go to a lone
// `swarmec node --api`, which keeps what it is given (it is the closest node to every chunk).
//
// SWARMEC_BIN names the binary (default: target/debug/swarmec of this checkout). The servers are
// started on 127.0.0.1 with port 0 over fresh data directories and stopped at the end.
// SWARMEC_BEE_DEV names bee-dev (scripts/build-bee.sh builds it; .ci/js-test passes it): bee's own
// answer to the same bee-js directory upload, whose order of files is the file system's.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { Bee, RedundancyLevel, RedundancyStrategy } from '@ethersphere/bee-js'

const here = dirname(fileURLToPath(import.meta.url))
const bin = process.env.SWARMEC_BIN || resolve(here, '../../target/debug/swarmec')
// bee v2.8.1's manifests (tools/bee/mantaray): the references bee gives for these uploads.
const mantaray = process.env.SWARMEC_MANTARAY || resolve(here, '../../fixtures/mantaray')
// bee v2.8.1's feed manifests, updates and SOCs (tools/bee/feeds).
const feedFixtures = process.env.SWARMEC_FEEDS || resolve(mantaray, '../feeds')
const batch = 'ab'.repeat(32)
const dir = mkdtempSync(join(tmpdir(), 'swarmec-js-'))
let server
let bee
let node
let nodeBee
// What `swarmec node` printed on start: its overlay and listen address.
const nodeInfo = {}
let beeDev
let beeDevBee

function fixture(name) {
  return JSON.parse(readFileSync(join(mantaray, `${name}.json`), 'utf8'))
}

const unhex = h => Uint8Array.from(Buffer.from(h, 'hex'))

// Deterministic, non-repeating bytes.
function data(len, seed) {
  const out = new Uint8Array(len)
  let x = (0x9e3779b9 ^ seed) >>> 0
  for (let i = 0; i < len; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

function swarmecHash(bytes, level) {
  const file = join(dir, `hash-${level}-${bytes.length}`)
  writeFileSync(file, bytes)
  return execFileSync(bin, ['hash', file, '--level', String(level)], { encoding: 'utf8' }).trim()
}

// Starts `cmd args`; resolves when `done(line, seen)` is true of a line it prints on stdout, with
// `seen` the lines before it. stdout is read to the end, so the process never blocks on it.
function start(cmd, args, done) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })
  const seen = []
  const ready = new Promise((ok, fail) => {
    child.once('exit', code => fail(new Error(`${cmd} ${args[0]} exited with ${code}`)))
    lines.on('line', line => {
      seen.push(line)
      if (done(line, seen)) ok(seen)
    })
  })
  return { child, ready }
}

before(async () => {
  const api = start(bin, ['api', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data')], () => true)
  server = api.child
  const [line] = await api.ready
  bee = new Bee(line.replace('listening on ', '').trim())

  const n = start(
    bin,
    ['node', '--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0', '--data-dir', join(dir, 'node')],
    line => line === 'ready',
  )
  node = n.child
  for (const line of await n.ready) {
    const [key, value] = line.split(' ')
    nodeInfo[key] = value
  }
  nodeBee = new Bee(nodeInfo.api)

  const beeDevBin = process.env.SWARMEC_BEE_DEV
  assert.ok(beeDevBin, 'SWARMEC_BEE_DEV names bee-dev (.ci/js-test sets it)')
  const d = start(beeDevBin, ['--api-addr=127.0.0.1:0', '--verbosity=error'], line => line.startsWith('api-addr '))
  beeDev = d.child
  const [devLine] = await d.ready
  beeDevBee = new Bee(`http://${devLine.replace('api-addr ', '').trim()}`)
})

// Stops `child` with `signal` and resolves once it has exited (SIGKILL after 10 s), so that it no
// longer writes into the directory removed next: a node still saving its state on SIGINT made
// the removal fail with ENOTEMPTY once in CI.
function stop(child, signal) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise(resolve => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill(signal)
  })
}

after(async () => {
  await Promise.all([stop(server, 'SIGINT'), stop(node, 'SIGINT'), stop(beeDev, 'SIGKILL')])
  rmSync(dir, { recursive: true, force: true })
})

// 1 byte, one chunk, one chunk + 1, and sizes with one and two intermediate levels.
const sizes = [1, 4096, 4097, 300_000, 1_200_000]

test('health answers like bee', async () => {
  assert.equal(await bee.isConnected(), true)
  const health = await bee.getHealth()
  assert.equal(health.status, 'ok')
  assert.equal(health.apiVersion, '8.1.0')
  assert.equal(await bee.isSupportedApiVersion(), true)
  assert.equal(await bee.isSupportedExactVersion(), false)
})

// bee-js sends Swarm-Redundancy-Level only when the level is truthy, so `redundancyLevel: 0` reaches
// the node as no header and gives bee's default, medium; level 0 needs the header set by hand.
const levelZero = { headers: { 'swarm-redundancy-level': '0' } }

for (const level of [0, 1, 2, 3, 4]) {
  test(`uploadData at level ${level}: swarmec hash's reference, bytes back`, async () => {
    for (const [i, size] of sizes.entries()) {
      const bytes = data(size, 10 * level + i)
      const result = await bee.uploadData(
        batch,
        bytes,
        { redundancyLevel: level },
        level === 0 ? levelZero : undefined,
      )
      assert.equal(result.reference.toHex(), swarmecHash(bytes, level), `size ${size}`)
      const back = await bee.downloadData(result.reference)
      assert.deepEqual(back.toUint8Array(), bytes, `size ${size}`)
    }
  })
}

test('uploadData with redundancyLevel OFF and no header is medium, as with bee', async () => {
  const bytes = data(300_000, 98)
  const result = await bee.uploadData(batch, bytes, { redundancyLevel: RedundancyLevel.OFF })
  assert.equal(result.reference.toHex(), swarmecHash(bytes, RedundancyLevel.MEDIUM))
})

test('uploadData without a level is medium, as bee', async () => {
  const bytes = data(5000, 99)
  const result = await bee.uploadData(batch, bytes)
  assert.equal(result.reference.toHex(), swarmecHash(bytes, RedundancyLevel.MEDIUM))
})

test('uploadData with encrypt: 128-character reference, bytes back', async () => {
  for (const level of [0, 1, 4]) {
    const bytes = data(300_000, 50 + level)
    const result = await bee.uploadData(
      batch,
      bytes,
      { encrypt: true, redundancyLevel: level },
      level === 0 ? levelZero : undefined,
    )
    assert.equal(result.reference.toHex().length, 128)
    const back = await bee.downloadData(result.reference)
    assert.deepEqual(back.toUint8Array(), bytes)
  }
})

test('downloadData with every redundancy strategy, with and without fallback', async () => {
  const bytes = data(1_200_000, 77)
  const result = await bee.uploadData(batch, bytes, { redundancyLevel: RedundancyLevel.STRONG })
  for (const strategy of [
    RedundancyStrategy.NONE,
    RedundancyStrategy.DATA,
    RedundancyStrategy.PROX,
    RedundancyStrategy.RACE,
  ]) {
    for (const fallback of [true, false]) {
      const back = await bee.downloadData(result.reference, {
        redundancyStrategy: strategy,
        fallback,
        timeoutMs: 5000,
      })
      assert.deepEqual(back.toUint8Array(), bytes, `strategy ${strategy} fallback ${fallback}`)
    }
  }
})

test('string uploads and missing references', async () => {
  const result = await bee.uploadData(batch, 'hello swarm', {}, levelZero)
  const back = await bee.downloadData(result.reference)
  assert.equal(back.toUtf8(), 'hello swarm')
  await assert.rejects(bee.downloadData('00'.repeat(32)), err => {
    assert.equal(err.status, 404)
    return true
  })
})

// /bzz: bee-js's file and collection uploads give bee's own manifest references.

test('uploadFile gives bee\'s reference; downloadFile gives name, type and bytes back', async () => {
  const c = fixture('file-level0')
  const f = c.files[0]
  const result = await bee.uploadFile(
    batch,
    unhex(f.data),
    f.path,
    { contentType: f.content_type },
    levelZero,
  )
  assert.equal(result.reference.toHex(), c.reference)
  const back = await bee.downloadFile(result.reference)
  assert.equal(back.name, f.path)
  assert.equal(back.contentType, f.content_type)
  assert.deepEqual(back.data.toUint8Array(), unhex(f.data))
})

test('uploadCollection gives bee\'s reference; paths, index and error documents', async () => {
  const c = fixture('site-level0')
  const root = join(dir, 'site')
  // The fixture's order is the tar's order bee read.
  const collection = c.files.map(f => {
    const fsPath = join(root, f.path)
    mkdirSync(dirname(fsPath), { recursive: true })
    writeFileSync(fsPath, unhex(f.data))
    return { path: f.path, size: f.data.length / 2, fsPath }
  })
  const result = await bee.uploadCollection(
    batch,
    collection,
    { indexDocument: c.index_document, errorDocument: c.error_document },
    levelZero,
  )
  assert.equal(result.reference.toHex(), c.reference)
  const byPath = Object.fromEntries(c.files.map(f => [f.path, f]))
  for (const path of ['css/style.css', 'docs/api.json', 'docs/ab/c.txt']) {
    const back = await bee.downloadFile(result.reference, path)
    assert.deepEqual(back.data.toUint8Array(), unhex(byPath[path].data), path)
    assert.equal(back.contentType, byPath[path].content_type, path)
  }
  const index = await bee.downloadFile(result.reference)
  assert.deepEqual(index.data.toUint8Array(), unhex(byPath['index.html'].data))
  const missing = await bee.downloadFile(result.reference, 'no/such/page')
  assert.deepEqual(missing.data.toUint8Array(), unhex(byPath['404.html'].data))
})

test('downloadFile of an unknown manifest is a 404', async () => {
  await assert.rejects(bee.downloadFile('00'.repeat(32), 'index.html'), err => {
    assert.equal(err.status, 404)
    return true
  })
})

// /soc and /feeds: bee-js's SOC and feed readers and writers.

function feedFixture(name) {
  return JSON.parse(readFileSync(join(feedFixtures, `${name}.json`), 'utf8'))
}

test('makeSOCWriter uploads bee\'s SOC; makeSOCReader reads it back', async () => {
  const c = feedFixture('socs').socs[0]
  const body = unhex(c.body)
  const writer = bee.makeSOCWriter(c.secret)
  assert.equal(writer.owner.toHex(), c.owner)
  const result = await writer.upload(batch, c.id, body.slice(8))
  assert.equal(result.reference.toHex(), c.address)
  const soc = await bee.makeSOCReader(c.owner).download(c.id)
  assert.deepEqual(soc.payload.toUint8Array(), body.slice(8))
  // bee-js's signature is valid but not bee's bytes (another nonce): the owner recovered from it
  // (unmarshalSingleOwnerChunk) is the check.
  assert.equal(soc.signature.toUint8Array().length, 65)
  assert.equal(soc.owner.toHex(), c.owner)
})

test('createFeedManifest gives bee\'s reference', async () => {
  // No level: medium, as bee (the reference is the same at every level; the replicas differ).
  const c = feedFixture('manifests').manifests.find(m => m.level === 1)
  const reference = await bee.createFeedManifest(batch, c.topic, c.owner)
  assert.equal(reference.toHex(), c.reference)
  const zero = await bee.createFeedManifest(batch, c.topic, c.owner, undefined, levelZero)
  assert.equal(zero.toHex(), c.reference)
})

test('makeFeedWriter updates a feed; makeFeedReader finds the latest update', async () => {
  const key = 'c5'.repeat(32)
  const topic = 'f0'.repeat(32)
  const writer = bee.makeFeedWriter(topic, key)
  const reader = bee.makeFeedReader(topic, writer.owner)
  await assert.rejects(reader.download(), err => {
    assert.equal(err.status, 404)
    return true
  })
  for (let i = 0; i < 3; i++) {
    const content = data(100 + i, 77 + i)
    const uploaded = await bee.uploadData(batch, content)
    await writer.upload(batch, uploaded.reference)
    // GET /feeds: bee resolves the update's reference and serves that content.
    const latest = await reader.download()
    assert.deepEqual(latest.payload.toUint8Array(), content)
    assert.equal(latest.feedIndex.toBigInt(), BigInt(i))
    assert.equal(latest.feedIndexNext.toBigInt(), BigInt(i + 1))
    const ref = await reader.downloadReference()
    assert.equal(ref.reference.toHex(), uploaded.reference.toHex())
    assert.equal(ref.feedIndex.toBigInt(), BigInt(i))
  }
})

test('pin, getPin, getAllPins, unpin; uploadData with pin: true is pinned', async () => {
  const bytes = data(50_000, 14)
  const { reference } = await bee.uploadData(batch, bytes)
  const ref = reference.toHex()
  await bee.pin(reference)
  assert.equal((await bee.getPin(reference)).reference.toHex(), ref)
  assert.ok((await bee.getAllPins()).map(r => r.toHex()).includes(ref))
  await bee.pin(reference) // pinned already: 200, no error
  await bee.unpin(reference)
  await assert.rejects(bee.getPin(reference), e => e.status === 404)
  assert.ok(!(await bee.getAllPins()).map(r => r.toHex()).includes(ref))
  await assert.rejects(bee.unpin(reference), e => e.status === 404)

  const pinned = await bee.uploadData(batch, data(9_000, 15), { pin: true })
  assert.equal((await bee.getPin(pinned.reference)).reference.toHex(), pinned.reference.toHex())
  const file = await bee.uploadFile(batch, data(3_000, 16), 'p.bin', { pin: true, contentType: 'application/octet-stream' })
  const all = (await bee.getAllPins()).map(r => r.toHex())
  assert.ok(all.includes(file.reference.toHex()))
  assert.ok(all.includes(pinned.reference.toHex()))
})

// /tags: bee-js's tag calls, and uploads counted into tags.

test('createTag, retrieveTag, getAllTags, updateTag and deleteTag work as with bee', async () => {
  const tag = await bee.createTag()
  for (const counter of ['split', 'seen', 'stored', 'sent', 'synced']) {
    assert.equal(tag[counter], 0, counter)
  }
  assert.equal(tag.address, '')
  assert.ok(Math.abs(Date.parse(tag.startedAt) - Date.now()) < 60_000, tag.startedAt)
  assert.deepEqual(await bee.retrieveTag(tag.uid), tag)
  const second = await bee.createTag()
  assert.equal(second.uid, tag.uid + 1)
  const all = await bee.getAllTags({ limit: 1000 })
  assert.deepEqual(all.slice(-2), [tag, second])
  const page = await bee.getAllTags({ offset: all.length - 1, limit: 1 })
  assert.deepEqual(page, [second])
  // bee-js sends {"reference": …}, which bee's handler does not read (it reads "address"): the
  // call succeeds and the tag is unchanged, as with bee.
  await bee.updateTag(tag.uid, 'ab'.repeat(32))
  assert.deepEqual(await bee.retrieveTag(tag.uid), tag)
  await bee.deleteTag(second.uid)
  await assert.rejects(bee.retrieveTag(second.uid), err => {
    assert.equal(err.status, 404)
    return true
  })
  assert.deepEqual((await bee.getAllTags({ limit: 1000 })).slice(-1), [tag])
})

test('uploads with a tag count their chunks into it; bee-js reads the Swarm-Tag answer', async () => {
  const tag = await bee.createTag()
  // Six data chunks and their root at level 0.
  const bytes = data(5 * 4096 + 100, 123)
  const result = await bee.uploadData(batch, bytes, { tag: tag.uid }, levelZero)
  assert.equal(result.tagUid, tag.uid)
  let counted = await bee.retrieveTag(tag.uid)
  assert.deepEqual(
    [counted.split, counted.seen, counted.stored, counted.sent, counted.synced],
    [7, 0, 7, 0, 7],
  )
  assert.equal(counted.address, result.reference.toHex())
  // The same data again: every chunk is seen, nothing stored again.
  await bee.uploadData(batch, bytes, { tag: tag.uid }, levelZero)
  counted = await bee.retrieveTag(tag.uid)
  assert.deepEqual(
    [counted.split, counted.seen, counted.stored, counted.sent, counted.synced],
    [14, 7, 7, 0, 7],
  )
  // Without a tag, a (deferred, bee-js's default) upload gets a new one; a direct one none.
  const fresh = await bee.uploadData(batch, data(10, 124))
  assert.ok(fresh.tagUid > tag.uid)
  assert.equal((await bee.retrieveTag(fresh.tagUid)).address, fresh.reference.toHex())
  const direct = await bee.uploadData(batch, data(10, 125), { deferred: false })
  assert.equal(direct.tagUid, undefined)
  const file = await bee.uploadFile(batch, data(1000, 126), 'a.bin', { tag: tag.uid })
  assert.equal(file.tagUid, tag.uid)
  assert.equal((await bee.retrieveTag(tag.uid)).address, file.reference.toHex())
  await assert.rejects(bee.uploadData(batch, data(10, 127), { tag: 999_999 }), err => {
    assert.equal(err.status, 404)
    return true
  })
})

// `swarmec node --api`: the calls of a node that need no chain, wallet or chequebook.

test('node status: getNodeInfo, getNodeAddresses, getTopology, getPeers, getStatus, getReadiness, getChainState', async () => {
  const info = await nodeBee.getNodeInfo()
  assert.deepEqual(
    [info.beeMode, info.chequebookEnabled, info.swapEnabled],
    ['full', false, false],
  )
  const addresses = await nodeBee.getNodeAddresses()
  assert.equal(addresses.overlay.toHex(), nodeInfo.overlay)
  assert.deepEqual(addresses.underlay, [nodeInfo.listen])
  assert.equal(addresses.publicKey.toCompressedHex().length, 66)
  const topology = await nodeBee.getTopology()
  assert.deepEqual(
    [topology.baseAddr, topology.connected, topology.population, topology.depth],
    [nodeInfo.overlay, 0, 0, 0],
  )
  assert.equal(Object.keys(topology.bins).length, 32)
  assert.deepEqual(await nodeBee.getPeers(), [])
  const status = await nodeBee.getStatus()
  assert.deepEqual(
    [status.overlay, status.beeMode, status.proximity, status.connectedPeers, status.isWarmingUp],
    [nodeInfo.overlay, 'full', 256, 0, false],
  )
  const readiness = await nodeBee.getReadiness()
  assert.deepEqual([readiness.status, readiness.apiVersion], ['ready', '8.1.0'])
  assert.equal(await nodeBee.isSupportedApiVersion(), true)
  const chain = await nodeBee.getChainState()
  assert.deepEqual([chain.block, chain.chainTip, chain.totalAmount.toString()], [0, 0, '0'])
})

// The node's batch, made through bee-js, for the tests below.
let nodeBatch

test('createPostageBatch, getPostageBatch, getAllPostageBatch, getPostageBatches on the node', async () => {
  // bee-js refuses less than a day at its floor price (24000 per block, 17280 blocks).
  nodeBatch = await nodeBee.createPostageBatch('1000000000', 20, { label: 'js' })
  const id = nodeBatch.toHex()
  assert.equal(id.length, 64)
  const batch = await nodeBee.getPostageBatch(nodeBatch)
  assert.deepEqual(
    [batch.batchID.toHex(), batch.usable, batch.depth, batch.amount, batch.immutableFlag, batch.label],
    [id, true, 20, '1000000000', true, 'js'],
  )
  for (const all of [await nodeBee.getAllPostageBatch(), await nodeBee.getPostageBatches()]) {
    assert.deepEqual(all.map(b => b.batchID.toHex()), [id])
  }
  // An upload stamped with it: its utilization is counted.
  const { reference } = await nodeBee.uploadData(nodeBatch, data(10_000, 300))
  assert.deepEqual((await nodeBee.downloadData(reference)).toUint8Array(), data(10_000, 300))
  await assert.rejects(nodeBee.getPostageBatch('cd'.repeat(32)), e => e.status === 404)
})

test('isReferenceRetrievable and reuploadPinnedData on the node', async () => {
  assert.ok(nodeBatch, 'the batch test ran first')
  const bytes = data(30_000, 301)
  const { reference } = await nodeBee.uploadData(nodeBatch, bytes, { pin: true })
  assert.equal(await nodeBee.isReferenceRetrievable(reference), true)
  await nodeBee.reuploadPinnedData(nodeBatch, reference)
  assert.deepEqual((await nodeBee.downloadData(reference)).toUint8Array(), bytes)
  // Nothing of it anywhere: not retrievable; a re-upload of it fails.
  const unknown = 'ee'.repeat(32)
  assert.equal(await nodeBee.isReferenceRetrievable(unknown), false)
  await assert.rejects(nodeBee.reuploadPinnedData(nodeBatch, unknown), e => e.status === 500)
})

test('uploadFiles gives bee\'s reference (the files of the site fixture as File objects)', async () => {
  assert.ok(nodeBatch, 'the batch test ran first')
  const c = fixture('site-level0')
  // In the fixture's order, which is the order of the tar that bee read.
  const files = c.files.map(f => new File([unhex(f.data)], f.path))
  const options = { indexDocument: c.index_document, errorDocument: c.error_document }
  for (const [client, stamp] of [[bee, batch], [nodeBee, nodeBatch]]) {
    const result = await client.uploadFiles(stamp, files, options, levelZero)
    assert.equal(result.reference.toHex(), c.reference)
    const style = c.files.find(f => f.path === 'css/style.css')
    const back = await client.downloadFile(result.reference, style.path)
    assert.deepEqual(back.data.toUint8Array(), unhex(style.data))
    assert.equal(back.contentType, style.content_type)
  }
})

test('uploadFilesFromDirectory gives the reference bee gives the same call; the node serves the site', async () => {
  assert.ok(nodeBatch, 'the batch test ran first')
  const site = join(dir, 'folder')
  const files = {
    'index.html': '<h1>home</h1>',
    '404.html': '<h1>lost</h1>',
    'blog/index.html': '<h1>blog</h1>',
    'blog/2024/first.txt': 'first post',
    'img/logo.png': '\x89PNG\r\n\x1a\n',
    'big.bin': data(20_000, 302),
  }
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(site, path)), { recursive: true })
    writeFileSync(join(site, path), content)
  }
  const options = { indexDocument: 'index.html', errorDocument: '404.html' }
  // bee-dev's /chainstate panics (its mock contract has no minimum validity), which bee-js's
  // createPostageBatch reads first: the batch is bought directly, then waited for.
  const bought = await fetch(`${beeDevBee.url}/stamps/1000000000/20`, { method: 'POST' })
  assert.equal(bought.status, 201)
  const beeBatch = (await bought.json()).batchID
  const deadline = Date.now() + 60_000
  while (!(await beeDevBee.getPostageBatch(beeBatch)).usable) {
    assert.ok(Date.now() < deadline, 'bee-dev\'s batch usable within 60 s')
    await new Promise(ok => setTimeout(ok, 100))
  }
  const want = await beeDevBee.uploadFilesFromDirectory(beeBatch, site, options, levelZero)
  const got = await nodeBee.uploadFilesFromDirectory(nodeBatch, site, options, levelZero)
  assert.equal(got.reference.toHex(), want.reference.toHex())
  const ours = await bee.uploadFilesFromDirectory(batch, site, options, levelZero)
  assert.equal(ours.reference.toHex(), want.reference.toHex())
  const text = async path => (await nodeBee.downloadFile(got.reference, path)).data.toUtf8()
  assert.equal(await text(''), files['index.html'])
  assert.equal(await text('blog/'), files['blog/index.html'])
  assert.equal(await text('blog/2024/first.txt'), files['blog/2024/first.txt'])
  assert.equal(await text('no/such/page'), files['404.html'])
  const logo = await nodeBee.downloadFile(got.reference, 'img/logo.png')
  assert.equal(logo.contentType, 'image/png')
  const big = await nodeBee.downloadFile(got.reference, 'big.bin')
  assert.deepEqual(big.data.toUint8Array(), files['big.bin'])
})
