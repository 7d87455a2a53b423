// The portable backend: V8's profiler through a `node:inspector` session on this thread.
// Session.post on a same-thread session runs its callback synchronously, which is what lets
// stop() return the profile inside a process 'exit' handler.
import { Session } from 'node:inspector';
import type { InspectorProfile } from '../trace/inspector-profile';
import type { Samples } from '../trace/samples';
import type { Backend } from './backend';

function postSync<T>(session: Session, method: string, params?: object): T {
  let result: T | undefined;
  let error: Error | null = null;
  let done = false;
  session.post(method, params ?? {}, (err: Error | null, res: unknown) => {
    error = err;
    result = res as T;
    done = true;
  });
  if (!done) throw new Error(`inspector: ${method} did not answer synchronously`);
  if (error) throw error;
  return result as T;
}

export class InspectorBackend implements Backend {
  readonly name = 'inspector' as const;
  private session: Session | null = null;

  start(intervalMicros: number): void {
    if (this.session) throw new Error('The profiler is already running');
    const session = new Session();
    session.connect();
    try {
      postSync(session, 'Profiler.enable');
      postSync(session, 'Profiler.setSamplingInterval', { interval: intervalMicros });
      postSync(session, 'Profiler.start');
    } catch (err) {
      session.disconnect();
      throw err;
    }
    this.session = session;
  }

  stop(): Samples {
    const session = this.session;
    if (!session) throw new Error('The profiler is not running');
    this.session = null;
    let profile: InspectorProfile;
    try {
      profile = postSync<{ profile: InspectorProfile }>(session, 'Profiler.stop').profile;
    } finally {
      session.disconnect();
    }
    // Loaded once the profiler has stopped: code that exists while it runs is code V8 logs.
    const { fromInspectorProfile } =
      require('../trace/inspector-profile') as typeof import('../trace/inspector-profile');
    return fromInspectorProfile(profile);
  }
}
