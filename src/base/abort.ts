// Subscribing to a long-lived AbortSignal without one listener per subscriber.
//
// The exporter's shutdown signal (every collection's ctx.signal) and the engine client's
// closing signal live as long as the process, and every engine call in flight used to add an
// 'abort' listener to both. The listeners were removed when the call ended, so nothing
// leaked, but a collection has many calls in flight at once (the container inspects alone are
// --collector.containers.inspect-concurrency, 8, plus the volumes, networks, /info and
// disk-usage reads of the other collectors, plus a failed collection's calls still running
// to their deadline when the next starts): 11 at once on one signal made Node print
// "MaxListenersExceededWarning: Possible EventTarget memory leak detected" on every server
// run. Here one listener per signal serves every subscriber, and goes when the last one does.

interface Fanout {
  readonly subscribers: Set<{ readonly fn: () => void }>;
  readonly listener: () => void;
}

const fanouts = new WeakMap<AbortSignal, Fanout>();

/**
 * Calls `fn` when `signal` aborts (at once, synchronously, if it already has). Returns the
 * unsubscribe function, to be called when the work that needed it ends (calling it after
 * the abort, or twice, is harmless). However many subscribe, the signal carries at most one
 * 'abort' listener of ours, and none once every subscriber is gone.
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return () => {};
  }
  let fanout = fanouts.get(signal);
  if (!fanout) {
    const subscribers = new Set<{ readonly fn: () => void }>();
    const listener = () => {
      fanouts.delete(signal);
      const all = [...subscribers];
      subscribers.clear();
      for (const s of all) {
        try {
          s.fn();
        } catch (error) {
          // As an EventTarget does with a throwing listener: the others still run, the error
          // is reported as uncaught.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    };
    fanout = { subscribers, listener };
    fanouts.set(signal, fanout);
    signal.addEventListener('abort', listener, { once: true });
  }
  const subscription = { fn };
  const { subscribers, listener } = fanout;
  subscribers.add(subscription);
  return () => {
    if (!subscribers.delete(subscription) || subscribers.size > 0) return;
    if (fanouts.get(signal)?.subscribers === subscribers) fanouts.delete(signal);
    signal.removeEventListener('abort', listener);
  };
}
