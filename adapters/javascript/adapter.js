'use strict';
// dlconform adapter for plain JavaScript: `node adapters/javascript/adapter.js FILE.js` checks FILE.js, a
// CommonJS module exporting the tutorial's functions (sigmoid, softmax, ...; the course's aliases too) that
// take and return plain numbers and nested arrays. Conventions (docs/protocol.md, "The JavaScript adapter"):
// - arguments: a 0-d value or a Python number arrives as a number (a boolean for bool), an array as nested
//   arrays; a call with int64 values beyond 2^53 is answered `unsupported` (skipped: a JS number cannot hold
//   them exactly). float32 and float16 are not taken (JS computes in float64): their cases are skipped.
// - results: a number or nested arrays (or a typed array). JavaScript numbers carry no dtype, so the result
//   gets the dtype NumPy's rule for that function gives on these arguments (float64 for sigmoid, the input's
//   for relu, the promoted one for multiply, ...) when its values fit it (integers for an integer dtype),
//   else float64: a dtype verdict on a JS implementation only says whether its values could be that dtype.
//   Integer results wrap into their dtype as NumPy's fixed-width arithmetic does (int8: 100 * 2 is -56).
// - nested arrays cannot spell an empty array of shape (0, 3): such a call is answered `unsupported` (skipped).
// - errors: a thrown error's name is its type: throw a `class ValueError extends Error {}` (or set
//   err.name = 'ValueError') where the suite requires ValueError.
// Nothing else: what the module prints goes to stderr.

const path = require('path');
const { serve, elements, nest, product } = require('./protocol');

const NAMES = {
  basic_sigmoid: [], sigmoid: [], sigmoid_derivative: [], tanh: [], tanh_derivative: [], relu: [],
  image2vector: ['image_to_vector'], normalizeRows: ['normalize_rows'], softmax: [], L1: [], L2: [],
  dot: [], outer: [], multiply: [],
};
// Each function's dtype rule, as the suite's catalogue states it (runner/catalogue.py).
const RULES = {
  basic_sigmoid: 'python-float', sigmoid: 'float', sigmoid_derivative: 'float', tanh: 'float',
  tanh_derivative: 'float', relu: 'keep', image2vector: 'keep', normalizeRows: 'float', softmax: 'float',
  L1: 'sum', L2: 'sum', dot: 'promote', outer: 'promote', multiply: 'promote',
};
const DTYPES = ['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float64'];
class Unrepresentable extends Error {}

const file = process.argv[2];
let impl = {};
let loadError;
if (!file) loadError = 'usage: node adapters/javascript/adapter.js FILE.js';
else {
  try {
    impl = require(path.resolve(file));
  } catch (err) {
    loadError = `${err && err.name ? err.name : 'Error'}: ${err && err.message ? err.message : err}`;
  }
}

const bound = {}; // the name the runner calls -> the module's function
for (const [name, aliases] of Object.entries(NAMES)) {
  const found = [name, ...aliases].find((n) => typeof impl[n] === 'function');
  if (found) bound[found] = { fn: impl[found], canonical: name };
}

function describe() {
  const message = {
    type: 'describe', protocol: 1, name: file ? path.basename(file) : 'javascript', version: 'unknown',
    language: 'javascript', functions: Object.keys(bound), dtypes: DTYPES, encoding: 'base64',
  };
  if (loadError) message.load_error = loadError.slice(0, 4000);
  if (typeof impl.version === 'string') message.version = impl.version.slice(0, 200);
  return message;
}

const kindOf = (dtype) => (dtype === 'bool' ? 'b' : dtype.startsWith('float') ? 'f' : dtype.startsWith('u') ? 'u' : 'i');
const bits = (dtype) => Number(dtype.replace(/\D/g, '')) || 8;

// NumPy's promotion of two non-float dtypes, or float64 (the only float taken here).
function promotePair(a, b) {
  if (a === b) return a;
  const [ka, kb] = [kindOf(a), kindOf(b)];
  if (ka === 'f' || kb === 'f') return 'float64';
  if (ka === 'b') return b;
  if (kb === 'b') return a;
  if (ka === kb) return bits(a) >= bits(b) ? a : b;
  const [s, u] = ka === 'i' ? [a, b] : [b, a];
  if (bits(u) < bits(s)) return s;
  return bits(u) < 64 ? `int${2 * bits(u)}` : 'float64';
}

// The result dtype of a function's rule on the arguments' dtypes (Python numbers are weak, as in NumPy).
function ruleDtype(rule, args) {
  if (rule === 'python-float') return 'float64';
  const strong = args.filter((a) => a.kind !== 'python').map((a) => a.dtype);
  if (rule === 'keep' || rule === 'float') {
    const first = args[0].dtype;
    return rule === 'keep' ? first : kindOf(first) === 'f' ? first : 'float64';
  }
  let dtype = strong.length ? strong.reduce(promotePair) : args.map((a) => a.dtype).reduce(promotePair);
  for (const weak of args.filter((a) => a.kind === 'python')) {
    if (kindOf(weak.dtype) === 'f' && kindOf(dtype) !== 'f') dtype = 'float64';
    if (kindOf(weak.dtype) === 'i' && kindOf(dtype) === 'b') dtype = 'int64';
  }
  if (rule === 'sum' && kindOf(dtype) !== 'f') return kindOf(dtype) === 'u' ? 'uint64' : 'int64';
  return dtype;
}

// Whether every value can be the dtype: 0/1 or booleans for bool, exact integers for an integer dtype.
function fits(values, dtype) {
  const kind = kindOf(dtype);
  if (kind === 'f') return true;
  if (kind === 'b') return values.every((v) => typeof v === 'boolean' || v === 0 || v === 1);
  return values.every((v) => typeof v !== 'boolean' && Number.isSafeInteger(v));
}

// An exact integer in a fixed-width integer dtype, wrapped as NumPy's arithmetic wraps it.
function wrap(v, dtype) {
  const n = bits(dtype);
  const word = BigInt.asUintN(n, BigInt(v));
  return dtype.startsWith('u') ? word : BigInt.asIntN(n, word);
}

// The shape and flat elements of a returned number, boolean, nested array or typed array; null if not numeric.
function flatten(value) {
  if (typeof value === 'number' || typeof value === 'boolean') return { shape: [], flat: [value] };
  if (typeof value === 'bigint') return { shape: [], flat: [Number(value)] };
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return { shape: [value.length], flat: Array.from(value, Number) };
  if (!Array.isArray(value)) return null;
  const parts = value.map(flatten);
  if (parts.some((p) => p === null)) return null;
  const inner = parts.length ? parts[0].shape : [];
  if (parts.some((p) => p.shape.length !== inner.length || p.shape.some((n, i) => n !== inner[i]))) return null;
  return { shape: [value.length, ...inner], flat: parts.flatMap((p) => p.flat) };
}

function describeValue(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a ragged or non-numeric nested array';
  return typeof value === 'object' ? (value.constructor && value.constructor.name) || 'object' : typeof value;
}

function call(name, args) {
  const entry = bound[name];
  if (!entry) throw new TypeError(`no function ${name}`);
  const empty = args.filter((a) => a.kind === 'array' && product(a.shape) === 0);
  if (empty.some((a) => a.shape.indexOf(0) < a.shape.length - 1)) {
    throw new Unrepresentable(`nested arrays cannot hold an empty array of shape (${empty[0].shape})`);
  }
  const inputs = args.map((a) => nest(elements(a), a.shape));
  const got = entry.fn(...inputs);
  const found = flatten(got);
  if (found === null) return { kind: 'other', description: describeValue(got) };
  if (empty.length && empty.length < args.length && found.shape.length === 1 && found.shape[0] === 0) {
    throw new Unrepresentable('[] from an empty and a non-empty input: nested arrays cannot show a shape such as (0, 3)');
  }
  const wanted = ruleDtype(RULES[entry.canonical], args);
  const dtype = fits(found.flat, wanted) ? wanted : 'float64';
  const numpyArgs = args.some((a) => a.kind !== 'python');
  const kind = found.shape.length || Array.isArray(got) || ArrayBuffer.isView(got)
    ? 'array' : RULES[entry.canonical] === 'python-float' || !numpyArgs ? 'python' : 'scalar';
  const kindWanted = kindOf(dtype);
  const values = found.flat.map((v) => (kindWanted === 'i' || kindWanted === 'u' ? wrap(v, dtype) : typeof v === 'boolean' ? Number(v) : v));
  return { kind, dtype, shape: found.shape, values };
}

serve(describe, call, Unrepresentable);
