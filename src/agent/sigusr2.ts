// SIGUSR2, the signal production sessions answer (armed toggling, flight-recorder dumps). With
// the addon the handler runs through an interrupt, also while the program is busy in
// synchronous code (a service stuck in a loop is when you want to look), and the event loop's
// listener only wakes the loop; without it, the listener runs the handler.
import { sturdy } from '../pristine';

export function onSigusr2(handler: () => void): void {
  const { loadNative } = require('../native') as typeof import('../native');
  const loaded = loadNative();
  const addon = 'addon' in loaded ? loaded.addon : null;
  process.on(
    'SIGUSR2',
    sturdy(() => {
      if (!addon) handler();
    }),
  );
  addon?.watchStopSignals(handler, ['SIGUSR2']);
}
