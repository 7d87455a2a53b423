// What every backend does: sample the current JS thread between start() and stop().
import type { RawProfile } from '../trace/profile';

export interface Backend {
  readonly name: 'inspector' | 'native';
  /** Starts sampling this thread every `intervalMicros`. */
  start(intervalMicros: number): void;
  /** Stops sampling and returns the raw profile. Synchronous, so exit handlers can call it. */
  stop(): RawProfile;
}
