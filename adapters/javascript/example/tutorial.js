'use strict';
// The tutorial's functions written in JavaScript as a student would: plain numbers and nested arrays, Math.exp
// formulas as the tutorial writes them. Check it with:
//   dlconform run --adapter "node adapters/javascript/adapter.js adapters/javascript/example/tutorial.js"

class ValueError extends Error {
  constructor(message) { super(message); this.name = 'ValueError'; }
}

// Apply f to every number of a number or nested array.
function map(x, f) {
  return Array.isArray(x) ? x.map((v) => map(v, f)) : f(x);
}

function shape(x) {
  return Array.isArray(x) ? [x.length, ...(x.length ? shape(x[0]) : [])] : [];
}

function flat(x) {
  return Array.isArray(x) ? x.flatMap(flat) : [x];
}

// a and b combined elementwise with NumPy's broadcasting.
function broadcast(a, b, f) {
  const sa = shape(a), sb = shape(b);
  if (sa.length === 0 && sb.length === 0) return f(a, b);
  if (sa.length < sb.length) return b.map((v) => broadcast(a, v, f));
  if (sb.length < sa.length) return a.map((v) => broadcast(v, b, f));
  if (a.length === b.length) return a.map((v, i) => broadcast(v, b[i], f));
  if (a.length === 1) return b.map((v) => broadcast(a[0], v, f));
  if (b.length === 1) return a.map((v) => broadcast(v, b[0], f));
  throw new ValueError(`operands could not be broadcast together with shapes (${sa}) (${sb})`);
}

function basic_sigmoid(x) {
  return 1 / (1 + Math.exp(-x));
}

function sigmoid(x) {
  return map(x, (v) => 1 / (1 + Math.exp(-v)));
}

function sigmoid_derivative(x) {
  return map(x, (v) => {
    const s = 1 / (1 + Math.exp(-v));
    return s * (1 - s);
  });
}

function tanh(x) {
  return map(x, (v) => (Math.exp(v) - Math.exp(-v)) / (Math.exp(v) + Math.exp(-v)));
}

function tanh_derivative(x) {
  return map(x, (v) => {
    const t = (Math.exp(v) - Math.exp(-v)) / (Math.exp(v) + Math.exp(-v));
    return 1 - t * t;
  });
}

function relu(x) {
  return map(x, (v) => (v < 0 ? 0 : v));
}

function image2vector(image) {
  return flat(image).map((v) => [v]);
}

function normalizeRows(x) {
  return x.map((row) => {
    const norm = Math.sqrt(row.reduce((s, v) => s + v * v, 0));
    return row.map((v) => v / norm);
  });
}

function softmax(x) {
  return x.map((row) => {
    const e = row.map(Math.exp);
    const sum = e.reduce((s, v) => s + v, 0);
    return e.map((v) => v / sum);
  });
}

function L1(yhat, y) {
  if (yhat.length !== y.length) throw new ValueError('yhat and y must have the same length');
  return y.reduce((s, v, i) => s + Math.abs(v - yhat[i]), 0);
}

function L2(yhat, y) {
  if (yhat.length !== y.length) throw new ValueError('yhat and y must have the same length');
  return y.reduce((s, v, i) => s + (v - yhat[i]) * (v - yhat[i]), 0);
}

function dot(a, b) {
  // NumPy's dot: the sum over a's last axis and b's second-to-last (its only axis when b is 1-D)
  const sa = shape(a), sb = shape(b);
  if (sa.length === 0 || sb.length === 0) return multiply(a, b);
  const inner = sb.length === 1 ? sb[0] : sb[sb.length - 2];
  if (sa[sa.length - 1] !== inner) throw new ValueError(`shapes (${sa}) and (${sb}) not aligned`);
  if (sa.length > 1) return a.map((row) => dot(row, b));
  if (sb.length === 1) return a.reduce((s, v, i) => s + v * b[i], 0);
  if (sb.length > 2) return b.map((m) => dot(a, m));
  return b[0].map((_, j) => a.reduce((s, v, k) => s + v * b[k][j], 0));
}

function outer(a, b) {
  const fb = flat(b);
  return flat(a).map((u) => fb.map((v) => u * v));
}

function multiply(a, b) {
  return broadcast(a, b, (u, v) => u * v);
}

module.exports = {
  basic_sigmoid, sigmoid, sigmoid_derivative, tanh, tanh_derivative, relu, image2vector, normalizeRows,
  softmax, L1, L2, dot, outer, multiply,
};
