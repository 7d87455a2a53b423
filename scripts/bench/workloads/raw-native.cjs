// `node raw-native.cjs INTERVAL SAMPLER OUT.json WORKLOAD.js`: runs the workload under the
// native backend (lib/backends/native.js, what `viztracer --native` uses) with the given sampler
// (`viztracer` or `v8`) and writes its samples' times as the converter gets them. OUT `-`
// writes nothing, for timing the sampler alone (no report, no CLI, no preload).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { NativeBackend } = require(
  path.join(__dirname, '..', '..', '..', 'lib', 'backends', 'native.js'),
);

const [interval, sampler, out, workload] = process.argv.slice(2);
const backend = new NativeBackend(sampler);
backend.start(Number(interval));
require(path.resolve(workload));
const s = backend.stop();
if (out !== '-') fs.writeFileSync(out, require('./samples-json.cjs')(s));
