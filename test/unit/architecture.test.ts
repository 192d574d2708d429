// The layers of src/ (.dependency-cruiser.cjs, ARCHITECTURE.md): dependency-cruiser finds
// no cycle and no import that goes up or sideways, type imports included. A tree written
// here with one wrong import of each kind shows that the rules do catch them.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = path.join(ROOT, 'node_modules', '.bin', 'depcruise');
const LAYERS = (require(CONFIG) as { LAYERS: string[] }).LAYERS;

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** dependency-cruiser's verdict on `src` under `cwd`. */
function cruise(cwd: string): { violations: Violation[]; modules: number } {
  const result = spawnSync(DEPCRUISE, ['--config', CONFIG, '--output-type', 'json', 'src'], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(result.error).toBeUndefined();
  const report = JSON.parse(result.stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  return { violations: report.summary.violations, modules: report.summary.totalCruised };
}

describe('the layers of src/', () => {
  it('have no import cycle and no import that points up or sideways, type imports included', () => {
    const { violations, modules } = cruise(ROOT);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
    expect(modules).toBeGreaterThan(60);
  });

  it('hold every source file in the folder of one layer', () => {
    const stray: string[] = [];
    for (const entry of fs.readdirSync(path.join(ROOT, 'src'), { withFileTypes: true })) {
      if (!entry.isDirectory() || !LAYERS.includes(entry.name)) stray.push(entry.name);
    }
    expect(stray).toEqual([]);
    expect(LAYERS).toEqual(['base', 'readers', 'model', 'metrics', 'facts', 'cis', 'collectors', 'server', 'cli']);
  });

  it('are enforced: an upward import, a sideways one, a type-only cycle and a stray file each fail', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-layers-'));
    try {
      const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
      };
      write('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'Node16', moduleResolution: 'Node16', strict: true }, include: ['src/**/*.ts'] }));
      write('src/base/log.ts', 'export const log = 1;\n');
      // model -> collectors: upward.
      write('src/model/posture.ts', "import { run } from '../collectors/run';\nexport const posture = run;\n");
      // collectors -> model is downward, but a type import back makes a cycle of the two.
      write('src/collectors/run.ts', "import type { Shape } from './shape';\nexport const run = (s?: Shape) => s;\n");
      write('src/collectors/shape.ts', "import type { run } from './run';\nexport type Shape = typeof run;\n");
      // facts -> metrics: peers.
      write('src/facts/read.ts', "import { family } from '../metrics/family';\nexport const read = family;\n");
      write('src/metrics/family.ts', "import { log } from '../base/log';\nexport const family = log;\n");
      write('src/stray.ts', "import { log } from './base/log';\nexport const stray = log;\n");
      const found = cruise(dir).violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
      expect(found).toEqual([
        'every-file-in-a-layer: src/stray.ts -> src/base/log.ts',
        'facts-not-metrics: src/facts/read.ts -> src/metrics/family.ts',
        'model-imports-only-downward: src/model/posture.ts -> src/collectors/run.ts',
        'no-circular: src/collectors/run.ts -> src/collectors/shape.ts',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
