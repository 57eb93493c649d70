/**
 * The OIP codecs against the obvious alternative, measured side by side in the same process:
 * responses built by hand vs JSON.stringify of the same document (Array.from of the typed array),
 * requests decoded with validation straight into typed arrays vs JSON.parse + flat() + TypedArray.from
 * (no validation), and the binary tensor extension vs JSON. Pure CPU, no server.
 * Run with `npm run bench:oip-codec [-- --rounds 7 --round-ms 300]`.
 */
import { performance } from 'node:perf_hooks';
import { decodeInferRequest, encodeInferResponse } from '../apps/inference/src/protocol';
import type { ModelIo, NamedTensors } from '../apps/inference/src/runtime/tensor';
import { describeMachine, machineLine } from './machine';
import { parseFlags, positive } from './options';
import { runBench } from './run';
import { renderTable } from './report';

const log = (line = '') => process.stdout.write(line + '\n');
const USAGE = 'usage: npm run bench:oip-codec -- [--rounds <n>] [--round-ms <ms>]';

interface Contender {
  label: string;
  run: () => number; // returns a size, so the work cannot be optimised away
}

interface Case {
  name: string;
  ours: Contender;
  baseline: Contender;
}

/** Nanoseconds per call: iterations calibrated to fill `roundMs`, median over `rounds` alternating rounds. */
function measure(c: Case, rounds: number, roundMs: number): { ours: number; baseline: number } {
  const calibrate = (f: () => number): number => {
    let n = 1;
    for (;;) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) f();
      const took = performance.now() - t0;
      if (took > roundMs / 4) return Math.max(1, Math.round((n * roundMs) / took));
      n *= 4;
    }
  };
  const runs = { ours: calibrate(c.ours.run), baseline: calibrate(c.baseline.run) };
  const samples: { ours: number[]; baseline: number[] } = { ours: [], baseline: [] };
  for (let r = 0; r < rounds; r++) {
    for (const side of ['ours', 'baseline'] as const) {
      const f = c[side].run;
      const t0 = performance.now();
      for (let i = 0; i < runs[side]; i++) f();
      samples[side].push(((performance.now() - t0) * 1e6) / runs[side]);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  return { ours: median(samples.ours), baseline: median(samples.baseline) };
}

let seed = 42;
const random = (): number => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};

function floats(n: number): Float32Array {
  return Float32Array.from({ length: n }, () => random() * 2 - 1);
}

function responseCase(name: string, outputs: NamedTensors, binary: boolean): Case {
  const requested = Object.keys(outputs).map((o) => ({ name: o, binary }));
  return {
    name,
    ours: { label: binary ? 'binary' : 'by hand', run: () => encodeInferResponse('m', '1', 'id', outputs, requested, false).body.length },
    baseline: {
      label: 'JSON.stringify',
      run: () =>
        Buffer.from(
          JSON.stringify({
            model_name: 'm',
            model_version: '1',
            id: 'id',
            // BigInt has no JSON form: Number() is what a quick implementation would do (and loses digits past 2^53).
            outputs: Object.entries(outputs).map(([n, t]) => ({ name: n, datatype: 'x', shape: t.shape, data: Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v)) })),
          }),
        ).length,
    },
  };
}

function requestCase(name: string, rows: number, cols: number): { json: Case; binary: Case } {
  const io: ModelIo = { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, cols] }], outputs: [{ name: 'y', dtype: 'float32', shape: [-1] }] };
  const data = floats(rows * cols);
  const nested = Array.from({ length: rows }, (_, r) => Array.from(data.subarray(r * cols, (r + 1) * cols)));
  const body = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [rows, cols], datatype: 'FP32', data: nested }] }));
  const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [rows, cols], datatype: 'FP32', parameters: { binary_data_size: data.byteLength } }] }));
  const binaryBody = Buffer.concat([header, Buffer.from(data.buffer)]);
  const ours: Contender = { label: 'decode', run: () => decodeInferRequest(body, {}, io).inputs['x']?.data.length ?? 0 };
  return {
    json: {
      name: `${name} (${body.length} B)`,
      ours,
      baseline: {
        label: 'parse+flat+from',
        run: () => {
          const parsed = JSON.parse(body.toString('utf8')) as { inputs: Array<{ data: unknown[] }> };
          return Float32Array.from(parsed.inputs[0]?.data.flat(Infinity) as number[]).length;
        },
      },
    },
    binary: {
      name: `${name}, binary (${binaryBody.length} B) vs JSON`,
      ours: { label: 'binary', run: () => decodeInferRequest(binaryBody, { inferenceHeaderContentLength: String(header.length) }, io).inputs['x']?.data.length ?? 0 },
      baseline: { label: 'JSON decode', run: ours.run },
    },
  };
}

function main(): void {
  const flags = parseFlags(process.argv.slice(2), ['rounds', 'round-ms'], USAGE);
  const rounds = positive('rounds', flags.get('rounds') ?? '7', true, USAGE);
  const roundMs = positive('round-ms', flags.get('round-ms') ?? '300', false, USAGE);
  log(machineLine(describeMachine()));
  log(`${rounds} alternating rounds of ~${roundMs} ms per contender; median ns per call`);
  log();

  const big = floats(1000 * 10);
  const sizes = (outputs: NamedTensors): string => {
    const ours = encodeInferResponse('m', '1', 'id', outputs, null, false).body.length;
    const theirs = responseCase('', outputs, false).baseline.run();
    return `${ours} B vs ${theirs} B`;
  };
  const float32Big: NamedTensors = { y: { dtype: 'float32', shape: [1000, 10], data: big } };
  const float32Small: NamedTensors = { y: { dtype: 'float32', shape: [1, 3], data: floats(3) } };
  const int64: NamedTensors = { y: { dtype: 'int64', shape: [10000], data: BigInt64Array.from({ length: 10000 }, () => BigInt(Math.floor(random() * 1e9))) } };
  const requests = requestCase('decode FP32 [1000, 10]', 1000, 10);
  const small = requestCase('decode FP32 [1, 4]', 1, 4);
  const cases: Case[] = [
    responseCase(`encode FP32 [1000, 10] (${sizes(float32Big)})`, float32Big, false),
    responseCase(`encode FP32 [1, 3] (${sizes(float32Small)})`, float32Small, false),
    responseCase(`encode INT64 [10000] (${sizes(int64)})`, int64, false),
    responseCase('encode FP32 [1000, 10], binary vs JSON.stringify', float32Big, true),
    requests.json,
    small.json,
    requests.binary,
  ];
  const rows = cases.map((c) => {
    const r = measure(c, rounds, roundMs);
    const us = (ns: number): string => (ns / 1000).toFixed(ns < 10_000 ? 2 : 0);
    return [c.name, `${c.ours.label} ${us(r.ours)}`, `${c.baseline.label} ${us(r.baseline)}`, (r.baseline / r.ours).toFixed(2)];
  });
  log(renderTable(['case', 'ours (µs/call)', 'baseline (µs/call)', 'speed-up'], rows));
}

runBench('oip-codec', main);
