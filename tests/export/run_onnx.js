// Runs CalmSpace ONNX exports with onnxruntime-node (the repository's node_modules).
//
// usage: node run_onnx.js --probe      prints "onnxruntime-node VERSION" (exit 3: module missing)
//        node run_onnx.js CASES_DIR
// Each subfolder of CASES_DIR holds model.onnx and one or more input*.json files:
//   {"features": {"dims": [B, T, F], "data": [...]}, "lengths": [...]}     (float32, int32)
//   or {"audio": {"dims": [B, N], "data": [...]}} for a model exported with --onnx-input audio
// and gets, for every input<S>.json, an output<S>.json:
//   {"probabilities": {"dims": [B, C], "data": [...]}, "logits": {...}} (+ "features" from audio)
// JSON numbers carry float32 values exactly both ways (shortest round-trip doubles).
"use strict";
const fs = require("fs");
const path = require("path");

let ort;
try {
  ort = require("onnxruntime-node");
} catch (e) {
  console.error("onnxruntime-node is not installed: " + e.message.split("\n")[0]);
  process.exit(3);
}

async function runCase(folder) {
  const session = await ort.InferenceSession.create(path.join(folder, "model.onnx"), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const inputs = fs.readdirSync(folder).filter((f) => /^input.*\.json$/.test(f)).sort();
  for (const name of inputs) {
    const input = JSON.parse(fs.readFileSync(path.join(folder, name), "utf8"));
    const feeds = input.audio
      ? { audio: new ort.Tensor("float32", Float32Array.from(input.audio.data), input.audio.dims) }
      : {
          features: new ort.Tensor("float32", Float32Array.from(input.features.data),
                                   input.features.dims),
          lengths: new ort.Tensor("int32", Int32Array.from(input.lengths), [input.lengths.length]),
        };
    const result = await session.run(feeds);
    const out = {};
    for (const key of ["probabilities", "logits", "features"])
      if (result[key]) out[key] = { dims: result[key].dims, data: Array.from(result[key].data) };
    fs.writeFileSync(path.join(folder, name.replace(/^input/, "output")), JSON.stringify(out));
  }
  await session.release();
  return inputs.length;
}

async function main() {
  const arg = process.argv[2];
  if (arg === "--probe") {
    console.log("onnxruntime-node " + ort.env.versions.node);
    return;
  }
  if (!arg) throw new Error("usage: node run_onnx.js --probe | CASES_DIR");
  let runs = 0;
  const cases = fs.readdirSync(arg).sort();
  for (const name of cases) runs += await runCase(path.join(arg, name));
  console.log("ran " + runs + " inputs of " + cases.length + " models with onnxruntime-node " +
              ort.env.versions.node);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
