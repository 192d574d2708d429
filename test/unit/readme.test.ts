import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderReadme } from '../../scripts/readme-tables';
import { ALL_FAMILIES, LIVE_FAMILIES } from '../../src/metrics/catalog';

const README = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

describe('README', () => {
  it('has the metric and flag tables the catalog and flag table generate (run `npm run docs`)', () => {
    expect(README).toBe(renderReadme(README));
  });

  it('starts with the two commands: run the exporter, pass the test suite', () => {
    const blocks = [...README.matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)].map((m) => m[1].trim());
    expect(blocks[0]).toBe('npm ci && npm start');
    expect(blocks[1]).toBe('npm test');
    expect(README.indexOf('```')).toBeLessThan(README.indexOf('## '));
  });

  it('documents every metric family by name', () => {
    for (const f of [...ALL_FAMILIES, ...Object.values(LIVE_FAMILIES)]) expect(README).toContain(`\`${f.name}\``);
  });
});
