// Drives the reload state machine (reload.ts): turns SIGHUP, SIGTERM and SIGINT from an injected
// signal source into events, performs each effect through the injected hands, and feeds their
// outcomes back as events, one at a time.

import { reloadStep, SERVING, type ReloadEffect, type ReloadEvent, type ReloadState } from './reload.ts';

/** Where signals come from (the process, in hb daemon). */
export interface SignalSource {
  on(signal: 'SIGHUP' | 'SIGTERM' | 'SIGINT', handler: (signal: NodeJS.Signals) => void): unknown;
  off(signal: 'SIGHUP' | 'SIGTERM' | 'SIGINT', handler: (signal: NodeJS.Signals) => void): unknown;
}

/** What the effects are done with. */
export interface ReloadHands<C> {
  /** Reads the config again (the file found at start). */
  read(): Promise<C>;
  /** Puts a read config in place; throws (with one line) when it cannot, changing nothing. */
  apply(config: C): void;
  log(message: string): void;
  /** Tells systemd the daemon is stopping. */
  notifyStopping(): void;
  /** Asks the loop to stop (again); resolves once it has. */
  stopLoop(): Promise<void>;
}

/** Serves until stopped: listens to `signals` from now, and resolves once the loop has stopped and the listeners are gone. */
export function serveSignals<C>(signals: SignalSource, hands: ReloadHands<C>): Promise<void> {
  let state: ReloadState = SERVING;
  const queue: Array<ReloadEvent<C>> = [];
  let busy = false;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => (finished = resolve));

  const onHup = () => dispatch({ kind: 'hup' });
  const onStop = (signal: NodeJS.Signals) => dispatch({ kind: 'term', signal });

  // Events are handled in order, each with all of its effects, before the next.
  function dispatch(event: ReloadEvent<C>): void {
    queue.push(event);
    if (busy) return;
    busy = true;
    try {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const step = reloadStep(state, next);
        state = step.state;
        for (const effect of step.effects) perform(effect);
      }
    } finally {
      busy = false;
    }
  }

  function perform(effect: ReloadEffect<C>): void {
    switch (effect.kind) {
      case 'read-config':
        hands.read().then(
          (config) => dispatch({ kind: 'config-read-ok', config }),
          (e: unknown) => dispatch({ kind: 'config-read-failed', message: messageOf(e) }),
        );
        return;
      case 'apply':
        try {
          hands.apply(effect.config);
        } catch (e) {
          queue.push({ kind: 'apply-failed', message: messageOf(e) });
          return;
        }
        queue.push({ kind: 'applied' });
        return;
      case 'log':
        hands.log(effect.message);
        return;
      case 'notify-stopping':
        hands.notifyStopping();
        return;
      case 'stop-loop':
        void hands.stopLoop().then(() => dispatch({ kind: 'loop-stopped' }));
        return;
      case 'finish':
        signals.off('SIGHUP', onHup);
        signals.off('SIGTERM', onStop);
        signals.off('SIGINT', onStop);
        finished();
        return;
    }
  }

  signals.on('SIGHUP', onHup);
  signals.on('SIGTERM', onStop);
  signals.on('SIGINT', onStop);
  return done;
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
