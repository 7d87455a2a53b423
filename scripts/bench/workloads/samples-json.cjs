// What raw-profile.cjs and raw-native.cjs write: a backend's samples (lib/trace/samples.js) as
// the sample-rate benchmark reads them: the window and each sample's time (µs).
'use strict';
module.exports = (s) =>
  JSON.stringify({
    startMicros: s.startMicros,
    endMicros: s.endMicros,
    timesMicros: Array.from(s.timesMicros),
  });
