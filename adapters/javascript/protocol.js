'use strict';
// The dlconform adapter protocol 1 (docs/protocol.md) for Node.js, shared by the adapters in adapters/:
// JSON lines on stdin and stdout, values as typed JSON with base64 little-endian bytes. No dependencies.
// serve(describe, call, Unrepresentable): answers hello with describe, and each call with call(name, args) ->
// {dtype, shape, kind, values}, a thrown error, or (an Unrepresentable thrown) an unsupported reply. What the implementation prints goes to stderr: stdout is the protocol's.

const util = require('util');

const out = process.stdout.write.bind(process.stdout);
const toStderr = (...args) => { process.stderr.write(util.format(...args) + '\n'); };
console.log = console.info = console.debug = console.warn = toStderr;
process.stdout.write = (chunk, ...rest) => process.stderr.write(chunk, ...rest);

const ARRAYS = {
  bool: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, int64: BigInt64Array,
  uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array,
  float32: Float32Array, float64: Float64Array,
};

function product(shape) { return shape.reduce((a, b) => a * b, 1); }

// The elements of a protocol value as a flat array of JS numbers (booleans for bool), C order.
function elements(value) {
  const n = product(value.shape);
  if (value.values !== undefined) {
    return value.values.map((v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v));
  }
  const bytes = Buffer.from(value.data, 'base64');
  if (value.dtype === 'float16') return Array.from({ length: n }, (_, i) => half(bytes.readUInt16LE(2 * i)));
  const Typed = ARRAYS[value.dtype];
  const copy = new Uint8Array(bytes); // aligned
  const typed = new Typed(copy.buffer, 0, n);
  if (value.dtype === 'bool') return Array.from(typed, (b) => b !== 0);
  if (value.dtype === 'int64' || value.dtype === 'uint64') {
    return Array.from(typed, (b) => {
      if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < -BigInt(Number.MAX_SAFE_INTEGER)) {
        const err = new RangeError(`the ${value.dtype} value ${b} is not exact as a JavaScript number`);
        err.unrepresentable = true; // answered `unsupported`: the call cannot be made in plain JS numbers
        throw err;
      }
      return Number(b);
    });
  }
  return Array.from(typed);
}

function half(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

// Flat elements and a shape as nested arrays (a 0-d value as its one element).
function nest(flat, shape) {
  if (shape.length === 0) return flat[0];
  const step = product(shape.slice(1));
  return Array.from({ length: shape[0] }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), shape.slice(1)));
}

// A result ({kind, dtype, shape, values}) as a protocol value with base64 data.
function encode(result) {
  if (result.kind === 'other') return { kind: 'other', description: String(result.description).slice(0, 200) };
  const n = product(result.shape);
  const Typed = ARRAYS[result.dtype];
  let typed;
  if (typeof result.values[0] === 'bigint') typed = Typed.from(result.values, (v) => (Typed === BigInt64Array || Typed === BigUint64Array ? v : Number(v)));
  else if (result.dtype === 'bool') typed = Typed.from(result.values, (v) => (v ? 1 : 0));
  else typed = Typed.from(result.values);
  if (typed.length !== n) throw new Error('internal: the values do not fill the shape');
  const data = Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength).toString('base64');
  return { kind: result.kind, dtype: result.dtype, shape: result.shape, data };
}

function describeError(err) {
  if (!(err instanceof Object)) return { type: 'Error', message: String(err).slice(0, 4000) };
  const bases = [];
  for (let p = Object.getPrototypeOf(err); p && p.constructor && bases.length < 10; p = Object.getPrototypeOf(p)) {
    if (p.constructor.name && p.constructor.name !== 'Object') bases.push(p.constructor.name);
  }
  const type = String(err.name || bases[0] || 'Error').slice(0, 100);
  return { type, bases: bases.filter((b) => b !== type).slice(0, 10), message: String(err.message ?? err).slice(0, 4000) };
}

function send(message) { out(JSON.stringify(message) + '\n'); }

function serve(describe, call, Unrepresentable) {
  let buffered = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    buffered += chunk;
    let end;
    while ((end = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      handle(line);
    }
  });
  process.stdin.on('end', () => process.exit(0));

  function handle(line) {
    let message;
    try { message = JSON.parse(line); } catch (err) { process.stderr.write(`adapter: not JSON: ${line.slice(0, 80)}\n`); process.exit(3); }
    if (message.type === 'hello') send(describe());
    else if (message.type === 'bye') process.exit(0);
    else if (message.type === 'call') {
      let reply;
      try {
        reply = { type: 'result', id: message.id, value: encode(call(message.function, message.args)) };
      } catch (err) {
        reply = (Unrepresentable && err instanceof Unrepresentable) || (err && err.unrepresentable)
          ? { type: 'unsupported', id: message.id, reason: err.message }
          : { type: 'error', id: message.id, error: describeError(err) };
      }
      send(reply);
    } else {
      process.stderr.write(`adapter: unknown message type ${JSON.stringify(message.type)}\n`);
      process.exit(3);
    }
  }
}

module.exports = { serve, elements, nest, product, describeError };
