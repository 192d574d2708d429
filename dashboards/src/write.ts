// `npm run dashboards`: writes every bundled dashboard to dashboards/<file>. The unit tests
// fail when a committed file differs from what this writes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DASHBOARDS, serialize } from './index';

/** The repository's dashboards/ folder, whether this runs from the sources (ts-jest) or from dist/. */
function dashboardsDir(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  return path.join(dir, 'dashboards');
}

export const DASHBOARDS_DIR = dashboardsDir();

if (require.main === module) {
  for (const d of DASHBOARDS) {
    const file = path.join(DASHBOARDS_DIR, d.file);
    fs.writeFileSync(file, serialize(d.build()));
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}
