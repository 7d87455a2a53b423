// `node raw-profile.cjs INTERVAL OUT.json WORKLOAD.js`: runs the workload under viztracer's own
// backend (lib/backends/inspector.js, what the CLI's preload uses) and writes its samples' times,
// so the sample-rate benchmark can count the samples and the gaps between them.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { InspectorBackend } = require(
  path.join(__dirname, '..', '..', '..', 'lib', 'backends', 'inspector.js'),
);

const [interval, out, workload] = process.argv.slice(2);
const backend = new InspectorBackend();
backend.start(Number(interval));
require(path.resolve(workload));
fs.writeFileSync(out, require('./samples-json.cjs')(backend.stop()));
