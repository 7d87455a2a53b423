// What raw-profile.cjs and raw-native.cjs write: a backend's samples (lib/trace/samples.js) as
// the sample-rate benchmark reads them: the window, each sample's time (µs), our sampler's ticks.
'use strict';
module.exports = (s) =>
  JSON.stringify({
    startMicros: s.startMicros,
    endMicros: s.endMicros,
    timesMicros: Array.from(s.timesMicros),
    samplerTicks: s.ticks ?? null,
  });
