// The public API: profile a window of a program's life from inside it.
//
//   const { Tracer } = require('viztracer');
//   const tracer = new Tracer({ interval: 500 }).start();
//   ...                       // the work to look at
//   tracer.stop();
//   await tracer.save('window.json');
export { Tracer } from './tracer';
export type { TracerOptions } from './options';
export type { SaveResult } from './report/save';
export { VERSION } from './version';
