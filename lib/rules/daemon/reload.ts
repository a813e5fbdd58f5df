// The daemon's reload and stop as a state machine: SIGHUP reads the config again and applies it
// (one reload at a time, HUPs during one folded into one more), SIGTERM/SIGINT stop the loop,
// and a reload that ends after a stop changes nothing; pure. The runs in flight and the stop's
// wait, TERM and KILL are the loop's (loop.ts); this only says when to ask it.

/** Where the daemon is: serving; reloading (reading the config, or applying what was read); stopping; stopped. */
export type ReloadState =
  { phase: 'serving' } | { phase: 'reloading'; step: 'reading' | 'applying'; again: boolean } | { phase: 'stopping' } | { phase: 'stopped' };

/** What happened: a signal, the end of a config read or of applying it, or the loop's end. `C` is a config as read. */
export type ReloadEvent<C> =
  | { kind: 'hup' }
  | { kind: 'term'; signal: string }
  | { kind: 'config-read-ok'; config: C }
  | { kind: 'config-read-failed'; message: string }
  | { kind: 'applied' }
  | { kind: 'apply-failed'; message: string }
  | { kind: 'loop-stopped' };

/** What to do: read the config (answer with config-read-ok/failed), apply one (answer with applied/apply-failed), log, tell systemd, stop the loop (answer with loop-stopped), finish. */
export type ReloadEffect<C> =
  | { kind: 'read-config' }
  | { kind: 'apply'; config: C }
  | { kind: 'log'; message: string }
  | { kind: 'notify-stopping' }
  | { kind: 'stop-loop' }
  | { kind: 'finish' };

/** The state after an event and what to do, in order. */
export interface ReloadStep<C> {
  state: ReloadState;
  effects: Array<ReloadEffect<C>>;
}

/** A daemon that has started serving. */
export const SERVING: ReloadState = { phase: 'serving' };

/** The log line of a reload that failed (reading or applying). */
export const reloadFailedLine = (message: string): string => `reload failed, keeping the previous config: ${message}`;

/** The next state and effects of `state` on `event`. An event nothing waits for (a read's end while serving) changes nothing. */
export function reloadStep<C>(state: ReloadState, event: ReloadEvent<C>): ReloadStep<C> {
  const stay: ReloadStep<C> = { state, effects: [] };
  if (state.phase === 'stopped') return stay;
  if (event.kind === 'term') {
    // A second signal while stopping asks the loop again: it then stops the runs now.
    if (state.phase === 'stopping') return { state, effects: [{ kind: 'stop-loop' }] };
    return {
      state: { phase: 'stopping' },
      effects: [{ kind: 'log', message: `${event.signal}: stopping` }, { kind: 'notify-stopping' }, { kind: 'stop-loop' }],
    };
  }
  if (state.phase === 'stopping') {
    if (event.kind === 'loop-stopped') return { state: { phase: 'stopped' }, effects: [{ kind: 'finish' }] };
    // A read or an apply that fails after the stop is still said; one that succeeds is dropped.
    if (event.kind === 'config-read-failed' || event.kind === 'apply-failed')
      return { state, effects: [{ kind: 'log', message: reloadFailedLine(event.message) }] };
    return stay;
  }
  if (state.phase === 'serving') {
    if (event.kind === 'hup') return { state: { phase: 'reloading', step: 'reading', again: false }, effects: [{ kind: 'read-config' }] };
    return stay;
  }
  // Reloading.
  if (event.kind === 'hup') return { state: { ...state, again: true }, effects: [] };
  if (state.step === 'reading') {
    if (event.kind === 'config-read-ok') return { state: { ...state, step: 'applying' }, effects: [{ kind: 'apply', config: event.config }] };
    if (event.kind === 'config-read-failed') return reloadOver(state.again, [{ kind: 'log', message: reloadFailedLine(event.message) }]);
    return stay;
  }
  if (event.kind === 'applied') return reloadOver(state.again, []);
  if (event.kind === 'apply-failed') return reloadOver(state.again, [{ kind: 'log', message: reloadFailedLine(event.message) }]);
  return stay;
}

/** A reload has ended: serve, or read again when a HUP came meanwhile (the file may have changed since the read). */
function reloadOver<C>(again: boolean, effects: Array<ReloadEffect<C>>): ReloadStep<C> {
  if (!again) return { state: SERVING, effects };
  return { state: { phase: 'reloading', step: 'reading', again: false }, effects: [...effects, { kind: 'read-config' }] };
}
