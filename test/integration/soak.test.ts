// The churn soak (bench/soak.ts), short: the built exporter collecting every 2 s while 240
// containers are created and removed over 2 minutes (at most 60 alive, one in ten started),
// scraped every second. The docker_audit_* series must come back to their idle baseline once
// the containers are gone, family by family, and no collection may be skipped. The 20-minute,
// 10,000-container run is `npm run bench:soak`.
import { runSoak, soakReport } from '../../bench/soak';
import { TEST_IMAGE } from '../helpers/docker-cli';

jest.setTimeout(6 * 60_000);

it('serves the same series after 240 containers came and went as before, and skips no collection', async () => {
  const lines: string[] = [];
  const result = await runSoak({ total: 240, minutes: 2, maxAlive: 60, startEvery: 10, scheduleSeconds: 2, socket: '/var/run/docker.sock', image: TEST_IMAGE, note: (l) => lines.push(l) });
  const report = soakReport(result);
  expect({ created: result.created, removed: result.removed, engineErrors: result.engineErrors }).toEqual({ created: 242, removed: 242, engineErrors: 0 });
  // The churn was seen: the series rose while containers lived.
  expect(result.peakSeries).toBeGreaterThan(result.baselineSeries);
  expect([result.seriesDrift, report]).toEqual([[], report]);
  expect(result.finalSeries).toBe(result.baselineSeries);
  expect(result.skippedCollections).toBe(0);
  expect(result.scrapeFailures).toBe(0);
  expect(result.collections).toBeGreaterThan(30);
});
