import { forEachSliced, nextSlice, sliceDue, sortSliced, SLICE_MS } from '../../../src/base/time-slice';

/** Busy-waits for `ms` of wall time: work that holds the event loop. */
const spin = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('time slices', () => {
  it('lets an I/O callback that is due run between items of a long loop, not after the loop', async () => {
    await nextSlice();
    const order: string[] = [];
    // A timer that is due while the loop runs stands in for a scrape arriving.
    setTimeout(() => order.push('timer'), 1);
    await forEachSliced([1, 2, 3, 4, 5, 6], (i) => {
      order.push(`item ${i}`);
      spin(SLICE_MS);
    });
    const timerAt = order.indexOf('timer');
    expect(timerAt).toBeGreaterThan(0);
    expect(timerAt).toBeLessThan(order.length - 1);
  });

  it('is not due right after a yield, and is once the slice is spent', async () => {
    await nextSlice();
    expect(sliceDue()).toBe(false);
    spin(SLICE_MS + 1);
    expect(sliceDue()).toBe(true);
  });

  it('sorts as Array.prototype.sort does, stably, past the size it sorts in runs', async () => {
    const items = Array.from({ length: 10_007 }, (_, i) => ({ key: (i * 7919) % 97, at: i }));
    const want = [...items].sort((a, b) => a.key - b.key);
    const got = await sortSliced(items, (a, b) => a.key - b.key);
    expect(got).toBe(items); // in place
    expect(got).toEqual(want);
    expect(await sortSliced([3, 1, 2], (a, b) => a - b)).toEqual([1, 2, 3]);
    expect(await sortSliced([], (a: number, b: number) => a - b)).toEqual([]);
  });
});
