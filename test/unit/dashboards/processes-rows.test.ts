// The processes row (dashboards/src/rows/processes.ts), before the integrator puts it in a
// bundled dashboard: every processes family on some panel, and only defined variables.
import { expandTemplateVariables, panelQueries, serialize } from '../../../dashboards/src';
import { bundledDashboard } from '../../../dashboards/src/panels';
import { metricNames } from '../../../dashboards/src/promql';
import { processesPanels } from '../../../dashboards/src/rows/processes';
import { PROCESSES_METRICS } from '../../../src/metrics/families/processes';

const board = bundledDashboard({ title: 'processes row', uid: 'processes-row', description: 'test', withContainer: true });
for (const p of processesPanels()) board.withPanel(p);
const queries = panelQueries([JSON.parse(serialize(board.build()))]);

describe('the processes dashboard row', () => {
  it('shows every family of the processes collector', () => {
    const onPanels = new Set(queries.flatMap((q) => metricNames(q.expr)));
    expect(Object.values(PROCESSES_METRICS).map((f) => f.name).filter((n) => !onPanels.has(n))).toEqual([]);
    expect(queries.map((q) => q.panel)).toEqual(['Containers running a whole OS', 'Process read errors', 'Whole-OS processes', 'Processes per running container', 'Processes per running container']);
  });

  it('uses only the Grafana variables a container dashboard defines', () => {
    for (const q of queries) expect(() => expandTemplateVariables(q.expr)).not.toThrow();
  });
});
