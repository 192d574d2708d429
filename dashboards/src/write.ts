// `npm run dashboards`: writes every bundled dashboard to dashboards/<file>, and removes
// nothing else. The unit tests fail when a committed file differs from what this writes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DASHBOARDS, serialize } from './index';

/** dashboards/, found from this file whether it runs from the sources or from dist/. */
export const DASHBOARDS_DIR = path.resolve(__dirname, '..', '..', ...(path.basename(path.resolve(__dirname, '..', '..')) === 'dist' ? ['..'] : []), 'dashboards');

if (require.main === module) {
  for (const d of DASHBOARDS) {
    const file = path.join(DASHBOARDS_DIR, d.file);
    fs.writeFileSync(file, serialize(d.build()));
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}
