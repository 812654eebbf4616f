// BatchNormAxis harness for TensorFlow.js 4.22 (tfjs-layers BatchNormalization on the pure-JavaScript CPU backend).
//
// It runs the real layer and reports what TF.js does, right or wrong: the suite grades and diagnoses. It declares
// only what TF.js offers: float32, ranks 2 to 4, one integer axis, no masks
// (https://github.com/tensorflow/tfjs/blob/0fc04d958e/tfjs-layers/src/layers/normalization.ts).
// Known TF.js behaviours are listed, with reasons and issue links, in expectations.json next to this file.
//
//   npm ci --prefix conformance/harnesses/tfjs
//   bnaxis run --harness "node conformance/harnesses/tfjs/harness.mjs" --expectations conformance/harnesses/tfjs/expectations.json

import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';

await tf.setBackend('cpu');

function readTensor(tensor) {
  const bytes = Buffer.from(tensor.data, 'base64');
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return tf.tensor(values, tensor.shape.length ? tensor.shape : [], 'float32');
}

function writeTensor(tensor) {
  const values = Float32Array.from(tensor.dataSync());
  return { dtype: 'float32', shape: tensor.shape, data: Buffer.from(values.buffer).toString('base64') };
}

// Maps what TF.js throws to the protocol's error categories; anything else is passed on as it is.
function rejectionOf(error) {
  const message = String(error && error.message || error);
  if (/Axis .* of input tensor should have a defined dimension/.test(message)) {
    return { category: 'axis_out_of_range', message };
  }
  if (/weight shape|not compatible with provided weight shape|Layer weight shape/i.test(message)) {
    return { category: 'parameter_shape_mismatch', message };
  }
  return null;
}

function makeLayer(runCase, forGradients = false) {
  const layer = runCase.layer;
  return tfl.layers.batchNormalization({
    axis: runCase.axis,
    momentum: layer.momentum,
    epsilon: layer.epsilon,
    center: layer.center,
    scale: layer.scale,
    // TF.js's forward pass ignores `trainable`; it only decides whether gamma and beta get gradients. To read the
    // gradients of the function TF.js computes, the backward layer keeps its weights trainable.
    trainable: forGradients ? true : layer.trainable,
  });
}

// Builds the layer on the input shape and loads the case's weights, in Keras order.
function loadWeights(bn, runCase, x) {
  bn.apply(x, { training: false });
  const weights = [];
  for (const name of ['gamma', 'beta', 'moving_mean', 'moving_variance']) {
    if (runCase.inputs[name]) {
      weights.push(readTensor(runCase.inputs[name]));
    }
  }
  bn.setWeights(weights);
}

function movingStatistics(bn) {
  const weights = bn.getWeights();
  return { moving_mean: writeTensor(weights[weights.length - 2]), moving_variance: writeTensor(weights[weights.length - 1]) };
}

function forwardCall(bn, x, training) {
  const y = bn.apply(x, { training });
  return { y: writeTensor(y), ...movingStatistics(bn) };
}

function run(runCase) {
  if (runCase.kind === 'sequence') {
    const first = readTensor(runCase.steps[0].x);
    const bn = makeLayer(runCase);
    loadWeights(bn, runCase, first);
    return { steps: runCase.steps.map((step) => forwardCall(bn, readTensor(step.x), step.training)) };
  }

  const x = readTensor(runCase.inputs.x);
  const bn = makeLayer(runCase, runCase.kind === 'backward');
  loadWeights(bn, runCase, x);
  if (runCase.kind === 'backward') {
    const dy = readTensor(runCase.inputs.dy);
    const loss = (input) => tf.sum(tf.mul(bn.apply(input, { training: runCase.training }), dy));
    const outputs = { dx: writeTensor(tf.grad(loss)(x)) };
    const variables = bn.trainableWeights.map((w) => w.read());
    if (variables.length > 0) {
      const { grads } = tf.variableGrads(() => loss(x), variables);
      if (runCase.layer.scale) {
        outputs.dgamma = writeTensor(grads[variables[0].name]);
      }
      if (runCase.layer.center) {
        outputs.dbeta = writeTensor(grads[variables[variables.length - 1].name]);
      }
    }
    return { outputs };
  }
  return { outputs: forwardCall(bn, x, runCase.training) };
}

const capabilities = {
  protocol: 1,
  implementation: { name: 'tfjs-layers', version: '4.22.0', language: 'JavaScript', homepage: 'https://github.com/tensorflow/tfjs' },
  capabilities: { dtypes: ['float32'], ranks: [2, 3, 4], features: ['training', 'inference', 'frozen', 'backward', 'sequence', 'errors'] },
};

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  const message = JSON.parse(line);
  if (message.cmd === 'stop') {
    break;
  }
  let reply;
  if (message.cmd === 'start') {
    reply = capabilities;
  } else {
    try {
      reply = tf.tidy(() => run(message.case));
    } catch (error) {
      const rejection = rejectionOf(error);
      reply = rejection ? { rejected: rejection } : { errored: { message: String(error && error.message || error), traceback: String(error && error.stack || '') } };
    }
    reply.seq = message.seq;
  }
  process.stdout.write(JSON.stringify(reply) + '\n');
}
process.exit(0);
