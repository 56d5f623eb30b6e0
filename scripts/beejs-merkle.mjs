// Hashes a file with bee-js's MerkleTree (level 0, no encryption) and prints
// {"reference", "seconds", "mb_per_s"} as JSON. Usage: node beejs-merkle.mjs FILE
import { MerkleTree } from '@ethersphere/bee-js'
import { open } from 'node:fs/promises'

const path = process.argv[2]
const file = await open(path, 'r')
const tree = new MerkleTree(MerkleTree.NOOP)
const buf = new Uint8Array(1 << 20)
let size = 0
const start = process.hrtime.bigint()
for (;;) {
  const { bytesRead } = await file.read(buf, 0, buf.length, null)
  if (bytesRead === 0) break
  await tree.append(buf.slice(0, bytesRead))
  size += bytesRead
}
const root = await tree.finalize()
const seconds = Number(process.hrtime.bigint() - start) / 1e9
await file.close()
const hex = Buffer.from(root.hash()).toString('hex')
console.log(JSON.stringify({ reference: hex, seconds, mb_per_s: size / 1e6 / seconds }))
