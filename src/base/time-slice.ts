// Handing the event loop back during a collection's long synchronous work.
//
// Scrapes are served from the last snapshot and never wait on Docker, but they do wait for
// the event loop. At 2,000 containers a collection holds synchronous stretches of 100 to
// 700 ms (bench:memory, profiled): judging 93 CIS checks over every container, building
// and rendering 57,000 samples, emitting a container's log and posture series. A scrape
// that arrives then waits for the whole stretch, which made /metrics p99 390 ms. The loops
// behind those stretches ask `sliceDue()` between items and, when the slice is spent,
// `await nextSlice()`, which lets pending I/O (a scrape) run first.

import { performance } from 'node:perf_hooks';

/**
 * Longest synchronous run between two yields, in milliseconds: a scrape waits at most about
 * this long for a collection (the p99 target is 20 ms, and a scrape needs a few itself).
 */
export const SLICE_MS = 5;

let sliceStartedAt = performance.now();

/** Whether the current slice is spent. Cheap (one clock read): loops call it per item. */
export function sliceDue(): boolean {
  return performance.now() - sliceStartedAt >= SLICE_MS;
}

/**
 * Resolves after the event loop has run its pending I/O callbacks (setImmediate runs after
 * the poll phase), and starts a new slice. Starting the slice there, not here, means a
 * stretch of several collectors' work, chained through microtasks, counts as one.
 */
export function nextSlice(): Promise<void> {
  // The global setImmediate, looked up at the call: under a test's fake timers the yield is
  // one of the fake timers, run in order when the test advances the clock.
  return new Promise((resolve) => {
    setImmediate(() => {
      sliceStartedAt = performance.now();
      resolve();
    });
  });
}

/** Yields if the slice is spent: `await yieldIfDue()` between items of a long loop. */
export async function yieldIfDue(): Promise<void> {
  if (sliceDue()) await nextSlice();
}

/** Calls `fn` on each item in order, yielding between items whenever the slice is spent. */
export async function forEachSliced<T>(items: Iterable<T>, fn: (item: T) => void): Promise<void> {
  for (const item of items) {
    fn(item);
    if (sliceDue()) await nextSlice();
  }
}

/**
 * Sorts `items` in place, stably, with `compare`, yielding while it works: sorted runs of
 * RUN items with Array.prototype.sort, then merged pairwise, with a yield check every
 * RUN items merged. Array.prototype.sort of 40,000 keys takes 20 to 30 ms at once.
 */
export async function sortSliced<T>(items: T[], compare: (a: T, b: T) => number): Promise<T[]> {
  const RUN = 2048;
  if (items.length <= RUN) return items.sort(compare);
  const runs: T[][] = [];
  for (let i = 0; i < items.length; i += RUN) {
    runs.push(items.slice(i, i + RUN).sort(compare));
    if (sliceDue()) await nextSlice();
  }
  while (runs.length > 1) {
    const merged: T[][] = [];
    for (let r = 0; r < runs.length; r += 2) {
      const a = runs[r];
      const b = runs[r + 1];
      if (!b) {
        merged.push(a);
        continue;
      }
      const out = new Array<T>(a.length + b.length);
      let i = 0;
      let j = 0;
      let k = 0;
      while (i < a.length && j < b.length) {
        // Stable: of equal items, the one from the earlier run (a) goes first.
        out[k++] = compare(b[j], a[i]) < 0 ? b[j++] : a[i++];
        if ((k & (RUN - 1)) === 0 && sliceDue()) await nextSlice();
      }
      while (i < a.length) out[k++] = a[i++];
      while (j < b.length) out[k++] = b[j++];
      merged.push(out);
    }
    runs.splice(0, runs.length, ...merged);
  }
  const sorted = runs[0];
  for (let i = 0; i < sorted.length; i++) items[i] = sorted[i];
  return items;
}
