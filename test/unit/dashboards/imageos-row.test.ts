// The imageos panels (dashboards/src/rows/imageos.ts), before the integrator puts them on a
// dashboard: every imageos family on some panel, only catalog metrics, every query scoped to
// the selected instances.
import { imageOsPanels } from '../../../dashboards/src/rows/imageos';
import { metricNames } from '../../../dashboards/src/promql';
import { ALL_FAMILIES } from '../../../src/metrics/catalog';
import { IMAGEOS_METRICS } from '../../../src/metrics/families/imageos';

const built = imageOsPanels().map((p) => p.build() as { title?: string; targets?: { expr?: string }[] });
const exprs = built.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));

describe('imageos dashboard row', () => {
  it('shows every imageos family on some panel', () => {
    const shown = new Set(exprs.flatMap(metricNames));
    expect(Object.values(IMAGEOS_METRICS).map((f) => f.name).filter((n) => !shown.has(n))).toEqual([]);
  });

  it('selects only metrics the exporter serves, each on the selected instances', () => {
    const served = new Set(ALL_FAMILIES.map((f) => f.name));
    for (const e of exprs) {
      for (const name of metricNames(e)) expect([name, served.has(name)]).toEqual([name, true]);
      expect(e).toContain('instance=~"$instance"');
    }
  });

  it('has the panels the issue asks for', () => {
    expect(built.map((p) => p.title)).toEqual(expect.arrayContaining(['Image operating systems', 'Containers on an OS past end of life', 'End-of-life table age']));
  });
});
