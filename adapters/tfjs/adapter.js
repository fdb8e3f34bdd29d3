'use strict';
// dlconform adapter for TensorFlow.js: @tensorflow/tfjs-core with its pure-JS CPU backend (no native binary),
// pinned in package-lock.json (`npm ci` here installs it). `node adapters/tfjs/adapter.js` speaks the protocol of
// docs/protocol.md. tfjs has float32, int32 and bool tensors: arrays in those dtypes become tensors of the same
// dtype (others are skipped by the runner; run float64 cases with --dtypes float32); a Python number argument is
// passed as a JS number, which tfjs reads as float32 (bool as bool). The derivatives are tfjs's autograd
// (tf.grad with dy = 1 is the elementwise derivative of an elementwise function); where tfjs has no single
// call the composition is written as the Python profiles write it (runner/targets/profiles/*.yaml).

const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
require('@tensorflow/tfjs'); // registers tfjs-core's gradients (tf.grad needs them; no tfjs-core bundle holds them)
const { serve, elements } = require('../javascript/protocol');

const x1 = (f) => (x) => f(x);
const BINDINGS = {
  sigmoid: ['tf.sigmoid', x1(tf.sigmoid)],
  sigmoid_derivative: ['tf.grad(tf.sigmoid)', (x) => tf.grad(tf.sigmoid)(x)],
  tanh: ['tf.tanh', x1(tf.tanh)],
  tanh_derivative: ['tf.grad(tf.tanh)', (x) => tf.grad(tf.tanh)(x)],
  relu: ['tf.relu', x1(tf.relu)],
  image2vector: ['tf.reshape(image, [-1, 1])', (image) => tf.reshape(image, [-1, 1])],
  normalizeRows: [
    'tf.div(x, tf.norm(x, "euclidean", -1, true)): tfjs has no normalize',
    (x) => tf.div(x, tf.norm(x, 'euclidean', -1, true)),
  ],
  softmax: ['tf.softmax (last axis)', x1(tf.softmax)],
  L1: [
    'tf.losses.absoluteDifference(y, yhat, undefined, tf.Reduction.SUM)',
    (yhat, y) => tf.losses.absoluteDifference(y, yhat, undefined, tf.Reduction.SUM),
  ],
  L2: [
    'tf.losses.meanSquaredError(y, yhat, undefined, tf.Reduction.SUM)',
    (yhat, y) => tf.losses.meanSquaredError(y, yhat, undefined, tf.Reduction.SUM),
  ],
  dot: ['tf.dot', (a, b) => tf.dot(a, b)],
  outer: ['tf.outerProduct', (a, b) => tf.outerProduct(a, b)],
  multiply: ['tf.mul', (a, b) => tf.mul(a, b)],
};

function describe() {
  const notes = {};
  for (const [name, [note]] of Object.entries(BINDINGS)) notes[name] = note;
  return {
    type: 'describe', protocol: 1, name: 'tfjs', version: tf.version_core, language: 'javascript',
    functions: Object.keys(BINDINGS), dtypes: ['bool', 'int32', 'float32'], encoding: 'base64',
    unsupported: { basic_sigmoid: "the course's scalar-only math.exp sigmoid; tf.sigmoid is checked as sigmoid" },
    notes: { ...notes, backend: `${tf.getBackend()} (@tensorflow/tfjs-backend-cpu)` },
  };
}

function call(name, args) {
  const inputs = args.map((a) => (a.kind === 'python' ? elements(a)[0] : tf.tensor(elements(a), a.shape, a.dtype)));
  try {
    const y = tf.tidy(() => BINDINGS[name][1](...inputs));
    try {
      const values = Array.from(y.dataSync());
      const numpy = args.some((a) => a.kind !== 'python');
      const kind = y.rank ? 'array' : numpy ? 'scalar' : 'python';
      return { kind, dtype: y.dtype, shape: y.shape, values };
    } finally {
      y.dispose();
    }
  } finally {
    for (const t of inputs) if (t instanceof tf.Tensor) t.dispose();
  }
}

tf.setBackend('cpu').then(() => {
  tf.backend().firstUse = false; // its one-time advice to install tfjs-node (a native binary) is not a finding
  serve(describe, call);
});
