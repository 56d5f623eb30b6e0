// Drives `swarmec api` with the real bee-js client: uploads at every redundancy level and encrypted,
// references compared with `swarmec hash`, downloads with every retrieval strategy.
//
// SWARMEC_BIN names the binary (default: target/debug/swarmec of this checkout). The server is started
// on 127.0.0.1 with port 0 over a fresh data directory and stopped at the end.

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

before(async () => {
  server = spawn(bin, ['api', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: server.stdout })
  const url = await new Promise((ok, fail) => {
    server.once('exit', code => fail(new Error(`swarmec api exited with ${code}`)))
    lines.once('line', line => ok(line.replace('listening on ', '').trim()))
  })
  bee = new Bee(url)
})

after(() => {
  server?.kill('SIGINT')
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
