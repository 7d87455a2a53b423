// The public API: profile a window of a program's life from inside it, and log events of the
// program's own into the tracer of the current thread (the preload's, the CLI's or yours).
//
//   const { Tracer } = require('viztracer');
//   const tracer = new Tracer({ interval: 500 }).start();
//   ...                       // the work to look at
//   tracer.stop();
//   await tracer.save('window.json');
//
//   const viztracer = require('viztracer');
//   viztracer.logEvent('load config', () => loadConfig());   // a slice
//   viztracer.instant('cache cleared');                        // a mark
//   viztracer.counter('queue', { pending: 3, done: 12 });      // a counter track
//   viztracer.withLabels({ route: '/users/:id' }, () => handle(req, res));  // labelled samples
//   viztracer.dump('incident.json');   // under --flight_recorder: its last seconds, now
export { Tracer } from './tracer';
export { counter, instant, logEvent } from './user-events';
export type { EventScope, InstantScope } from './user-events';
export { withLabels } from './labels';
export { dump } from './agent/flight-recorder';
export type { Labels } from './labels';
export type { TracerOptions } from './options';
export type { SaveResult } from './report/save';
export { VERSION } from './version';
