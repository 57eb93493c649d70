'use strict';
// Minimal unzip for tools/k8s-tools.sh on a machine with neither unzip nor python3: extracts every
// stored or deflated entry of a (non-zip64) archive with Node's zlib.
//   node tools/unzip-layer.js <archive.zip> <target-dir>
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const [archive, target] = process.argv.slice(2);
if (!archive || !target) {
  process.stderr.write('usage: node tools/unzip-layer.js <archive.zip> <target-dir>\n');
  process.exit(2);
}
const buf = fs.readFileSync(archive);

// End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
let eocd = -1;
for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
  if (buf.readUInt32LE(i) === 0x06054b50) {
    eocd = i;
    break;
  }
}
if (eocd < 0) throw new Error(`${archive}: not a zip archive`);
const entries = buf.readUInt16LE(eocd + 10);
let p = buf.readUInt32LE(eocd + 16);

for (let n = 0; n < entries; n++) {
  if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${archive}: bad central directory entry`);
  const method = buf.readUInt16LE(p + 10);
  const compressed = buf.readUInt32LE(p + 20);
  const nameLen = buf.readUInt16LE(p + 28);
  const extraLen = buf.readUInt16LE(p + 30);
  const commentLen = buf.readUInt16LE(p + 32);
  const local = buf.readUInt32LE(p + 42);
  const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
  p += 46 + nameLen + extraLen + commentLen;

  const out = path.resolve(target, name);
  if (!out.startsWith(path.resolve(target) + path.sep)) throw new Error(`${archive}: entry escapes target: ${name}`);
  if (name.endsWith('/')) {
    fs.mkdirSync(out, { recursive: true });
    continue;
  }
  const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
  const data = buf.subarray(start, start + compressed);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  if (method === 0) fs.writeFileSync(out, data);
  else if (method === 8) fs.writeFileSync(out, zlib.inflateRawSync(data));
  else throw new Error(`${archive}: ${name} uses compression method ${method}`);
  fs.chmodSync(out, 0o755);
}
