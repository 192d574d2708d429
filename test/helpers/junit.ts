// JUnit XML checked by a real XML toolchain, xmllint (Debian libxml2-utils): validated against
// the committed Ant/windyroad JUnit.xsd, and read back with XPath, so the tests never trust
// the formatter's own idea of what it wrote.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const JUNIT_XSD = path.join(__dirname, '..', 'fixtures', 'junit', 'JUnit.xsd');

function withFile<T>(xml: string, use: (file: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-junit-'));
  const file = path.join(dir, 'report.xml');
  try {
    fs.writeFileSync(file, xml);
    return use(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** xmllint's verdict on the document against JUnit.xsd: ok, and what it said. */
export function validateJunit(xml: string): { ok: boolean; output: string } {
  return withFile(xml, (file) => {
    const r = spawnSync('xmllint', ['--noout', '--schema', JUNIT_XSD, file], { encoding: 'utf8' });
    if (r.error) throw new Error(`running xmllint failed (apt-get install libxml2-utils): ${r.error.message}`);
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  });
}

/** The value of an XPath expression over the document, as xmllint prints it (a count, a string). */
export function xpath(xml: string, expression: string): string {
  return withFile(xml, (file) => {
    const r = spawnSync('xmllint', ['--xpath', expression, file], { encoding: 'utf8' });
    if (r.error) throw new Error(`running xmllint failed (apt-get install libxml2-utils): ${r.error.message}`);
    // xmllint exits 10 for an empty node set; a count or a string() always has a value.
    if (r.status !== 0) throw new Error(`xmllint --xpath ${expression} exited ${r.status}: ${r.stderr}`);
    // It ends what it prints with one newline of its own.
    return r.stdout.endsWith('\n') ? r.stdout.slice(0, -1) : r.stdout;
  });
}

export const xpathNumber = (xml: string, expression: string): number => Number(xpath(xml, expression).trim());
