import type { ModelSignature, TensorSpec } from '@shipyard/contracts';

/**
 * Reads an ONNX model's inputs and outputs (name, element type, shape) from its bytes as they stream
 * past, without holding the model in memory: only graph inputs/outputs (a few bytes each) and
 * initializer names are decoded, everything else — weights above all — is skipped.
 *
 * ONNX is protobuf: ModelProto.graph (7) → GraphProto.input (11) / output (12) / initializer (5);
 * ValueInfoProto.name (1), .type (2) → TypeProto.tensor_type (1) → elem_type (1), shape (2) → dim (1)
 * → dim_value (1) | dim_param (2). Inputs that are also initializers (old exporters list weights as
 * inputs) are not inputs a caller feeds, so they are left out.
 */
export class InvalidOnnxModel extends Error {}

const ELEM_TYPES: Readonly<Record<number, string>> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128', 16: 'bfloat16',
};
const MAX_VALUE_INFO_BYTES = 1024 * 1024;
const MAX_NAME_BYTES = 64 * 1024;

/** Pull reader over a chunk stream with absolute offsets; `skip` discards without buffering. */
class StreamReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private base = 0; // absolute offset of buf[0]
  private done = false;

  constructor(private readonly it: AsyncIterator<Buffer>) {}

  get offset(): number {
    return this.base + this.pos;
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.it.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    const rest = this.buf.subarray(this.pos);
    this.base += this.pos;
    this.buf = rest.length ? Buffer.concat([rest, next.value]) : next.value;
    this.pos = 0;
    return true;
  }

  /** Consumes the rest of the stream, discarding it. */
  async drain(): Promise<void> {
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    while (!this.done) if ((await this.it.next()).done) this.done = true;
  }

  /** True at a clean end of the stream. */
  async atEnd(): Promise<boolean> {
    while (this.pos >= this.buf.length) if (!(await this.fill())) return true;
    return false;
  }

  async byte(): Promise<number> {
    while (this.pos >= this.buf.length) if (!(await this.fill())) throw new InvalidOnnxModel('the file ends in the middle of a field');
    return this.buf[this.pos++] as number;
  }

  async varint(): Promise<number> {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = await this.byte();
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    throw new InvalidOnnxModel('malformed varint');
  }

  async take(n: number): Promise<Buffer> {
    while (this.buf.length - this.pos < n) if (!(await this.fill())) throw new InvalidOnnxModel('the file ends in the middle of a field');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  async skip(n: number): Promise<void> {
    let left = n;
    for (;;) {
      const here = Math.min(left, this.buf.length - this.pos);
      this.pos += here;
      left -= here;
      if (left === 0) return;
      if (!(await this.fill())) throw new InvalidOnnxModel('the file ends in the middle of a field');
    }
  }

  /** Skips the value of a field of `wire` type. */
  async skipField(wire: number): Promise<void> {
    if (wire === 0) await this.varint();
    else if (wire === 1) await this.skip(8);
    else if (wire === 2) await this.skip(await this.varint());
    else if (wire === 5) await this.skip(4);
    else throw new InvalidOnnxModel(`unsupported protobuf wire type ${wire} at byte ${this.offset}`);
  }
}

/** Synchronous reader over one small decoded message. */
class BufferReader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  get end(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new InvalidOnnxModel('truncated value info');
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    throw new InvalidOnnxModel('malformed varint');
  }
  bytes(): Buffer {
    const n = this.varint();
    if (this.pos + n > this.buf.length) throw new InvalidOnnxModel('truncated value info');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new InvalidOnnxModel(`unsupported protobuf wire type ${wire}`);
  }
  /** Iterates (field, wire) pairs; the callback must consume the value. */
  fields(fn: (field: number, wire: number) => void): void {
    while (!this.end) {
      const tag = this.varint();
      fn(Math.floor(tag / 8), tag & 7);
    }
  }
}

function parseDimension(buf: Buffer): number {
  let dim = -1;
  const r = new BufferReader(buf);
  r.fields((f, w) => {
    if (f === 1 && w === 0) dim = r.varint();
    else r.skip(w); // dim_param (a symbolic name) and denotation: dynamic
  });
  return dim;
}

function parseShape(buf: Buffer): number[] {
  const dims: number[] = [];
  const r = new BufferReader(buf);
  r.fields((f, w) => {
    if (f === 1 && w === 2) dims.push(parseDimension(r.bytes()));
    else r.skip(w);
  });
  return dims;
}

function parseTensorType(buf: Buffer): { dtype: string; shape: number[] } {
  let dtype = 'unknown';
  let shape: number[] = [];
  const r = new BufferReader(buf);
  r.fields((f, w) => {
    if (f === 1 && w === 0) dtype = ELEM_TYPES[r.varint()] ?? 'unknown';
    else if (f === 2 && w === 2) shape = parseShape(r.bytes());
    else r.skip(w);
  });
  return { dtype, shape };
}

/** ValueInfoProto → TensorSpec; non-tensor types (sequences, maps) are reported with their kind as dtype. */
function parseValueInfo(buf: Buffer): TensorSpec {
  let name = '';
  let spec = { dtype: 'unknown', shape: [] as number[] };
  const r = new BufferReader(buf);
  r.fields((f, w) => {
    if (f === 1 && w === 2) name = r.bytes().toString('utf8');
    else if (f === 2 && w === 2) {
      const t = new BufferReader(r.bytes());
      t.fields((tf, tw) => {
        if (tf === 1 && tw === 2) spec = parseTensorType(t.bytes());
        else if (tw === 2 && (tf === 4 || tf === 5 || tf === 9 || tf === 8)) {
          t.bytes();
          spec = { dtype: ({ 4: 'sequence', 5: 'map', 8: 'sparse_tensor', 9: 'optional' } as Record<number, string>)[tf] ?? 'unknown', shape: [] };
        } else t.skip(tw);
      });
    } else r.skip(w);
  });
  if (!name) throw new InvalidOnnxModel('a graph input or output has no name');
  return { name, ...spec };
}

async function readInitializerName(r: StreamReader, end: number): Promise<string | null> {
  let name: string | null = null;
  while (r.offset < end) {
    const tag = await r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 8 && wire === 2) {
      const n = await r.varint();
      if (n > MAX_NAME_BYTES) throw new InvalidOnnxModel('an initializer name is implausibly long');
      name = (await r.take(n)).toString('utf8');
    } else await r.skipField(wire);
  }
  if (r.offset !== end) throw new InvalidOnnxModel('an initializer overruns its length');
  return name;
}

async function readGraph(r: StreamReader, end: number): Promise<ModelSignature> {
  const inputs: TensorSpec[] = [];
  const outputs: TensorSpec[] = [];
  const initializers = new Set<string>();
  while (r.offset < end) {
    const tag = await r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if ((field === 11 || field === 12) && wire === 2) {
      const n = await r.varint();
      if (n > MAX_VALUE_INFO_BYTES) throw new InvalidOnnxModel('a graph input/output description is implausibly large');
      (field === 11 ? inputs : outputs).push(parseValueInfo(await r.take(n)));
    } else if (field === 5 && wire === 2) {
      const n = await r.varint();
      const name = await readInitializerName(r, r.offset + n);
      if (name) initializers.add(name);
    } else await r.skipField(wire);
  }
  if (r.offset !== end) throw new InvalidOnnxModel('the graph overruns its length');
  return { inputs: inputs.filter((i) => !initializers.has(i.name)), outputs };
}

/**
 * The signature of the ONNX model in `chunks`. Consumes the stream to its end (callers that tee an
 * upload into it rely on that to keep the upload flowing). Throws InvalidOnnxModel for anything that
 * is not a ModelProto with a graph that has outputs.
 */
export async function readOnnxSignature(chunks: AsyncIterable<Buffer>): Promise<ModelSignature> {
  const r = new StreamReader(chunks[Symbol.asyncIterator]());
  let signature: ModelSignature | null = null;
  let irVersion = false;
  try {
    while (!(await r.atEnd())) {
      const tag = await r.varint();
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (field === 0) throw new InvalidOnnxModel(`not a protobuf message (field 0 at byte ${r.offset})`);
      if (field === 1 && wire === 0) {
        await r.varint();
        irVersion = true;
      } else if (field === 7 && wire === 2 && signature === null) {
        const n = await r.varint();
        signature = await readGraph(r, r.offset + n);
      } else await r.skipField(wire);
    }
  } catch (e) {
    // Read what is left, so that a tee feeding this parser never stalls the upload beside it.
    await r.drain();
    throw e;
  }
  if (!irVersion || signature === null) throw new InvalidOnnxModel('not an ONNX model: no ir_version or no graph');
  if (signature.outputs.length === 0) throw new InvalidOnnxModel('the ONNX graph declares no outputs');
  return signature;
}
