// What every backend does: sample the current JS thread between start() and stop().
import type { Samples } from '../trace/samples';

export interface Backend {
  readonly name: 'inspector' | 'native';
  /** Starts sampling this thread every `intervalMicros`. */
  start(intervalMicros: number): void;
  /** Stops sampling and returns the samples. Synchronous, so exit handlers can call it. */
  stop(): Samples;
}
