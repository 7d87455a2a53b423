// `node inspector-only.cjs INTERVAL OUT.cpuprofile WORKLOAD.js`: V8's profiler started through an
// inspector session in user code, as any tool that is not `--cpu-prof` must start it, around the
// workload; the profile is written as `--cpu-prof` writes its own. Nothing of viztracer is
// loaded: what this costs beyond `node --cpu-prof` is the floor of a profiler started after
// Node's bootstrap.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { Session } = require('node:inspector');

const [interval, out, workload] = process.argv.slice(2);
const session = new Session();
session.connect();
const post = (method, params = {}) => {
  let result;
  session.post(method, params, (err, res) => {
    if (err) throw err;
    result = res;
  });
  return result;
};
post('Profiler.enable');
post('Profiler.setSamplingInterval', { interval: Number(interval) });
post('Profiler.start');
require(path.resolve(workload));
fs.writeFileSync(out, JSON.stringify(post('Profiler.stop').profile));
