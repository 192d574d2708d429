// WebConfigSource: start-up problems all at once (WebConfigError), reloads on change and on
// SIGHUP, the last good configuration kept when a reload fails. TLS material (openssl-made
// certificates) is exercised in test/integration/web-config.test.ts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import bcrypt from 'bcryptjs';
import { silentLogger, type Logger } from '../../../src/base/log';
import { WebConfigError, WebConfigSource, fileSignature, readWebConfig } from '../../../src/server/web-config';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dae-webcfg-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const HASH = bcrypt.hashSync('s3cret', 4);

let n = 0;
function file(text: string): string {
  const f = path.join(dir, `web-${n++}.yml`);
  fs.writeFileSync(f, text);
  return f;
}
function recordingLogger() {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push({ level, msg, fields });
  const logger: Logger = { ...silentLogger, info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

describe('WebConfigSource.load', () => {
  it('lists every problem of the file and of the files it names, at once', async () => {
    const f = file(`
tls_server_config:
  cert_file: missing.pem
  key_file: missing.key
  client_auth_type: Sometimes
basic_auth_users: { prometheus: plain }
bogus: true
`);
    const err = await WebConfigSource.load(f, silentLogger).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebConfigError);
    expect((err as WebConfigError).file).toBe(f);
    expect((err as WebConfigError).problems).toEqual([
      expect.stringMatching(/^bogus: unknown key/),
      expect.stringMatching(/^tls_server_config\.client_auth_type: "Sometimes" is not one of/),
      expect.stringMatching(/^basic_auth_users\.prometheus: not a bcrypt hash/),
      expect.stringMatching(new RegExp(`^tls_server_config\\.cert_file: cannot read ${dir}/missing\\.pem: .*ENOENT`)),
      expect.stringMatching(new RegExp(`^tls_server_config\\.key_file: cannot read ${dir}/missing\\.key: .*ENOENT`)),
    ]);
  });

  it('says what is wrong with a file it cannot read, or that is not a file', async () => {
    for (const f of [path.join(dir, 'absent.yml'), dir]) {
      const err = (await WebConfigSource.load(f, silentLogger).catch((e: unknown) => e)) as WebConfigError;
      expect(err.problems).toEqual([expect.stringMatching(/^cannot read the file: /)]);
    }
  });

  it('refuses a certificate that is not PEM, naming the key', async () => {
    fs.writeFileSync(path.join(dir, 'junk.pem'), 'not a certificate\n');
    fs.writeFileSync(path.join(dir, 'junk.key'), 'not a key\n');
    const { problems } = await readWebConfig(file('tls_server_config: { cert_file: junk.pem, key_file: junk.key }'));
    expect(problems).toEqual([expect.stringMatching(/^tls_server_config\.cert_file: not a PEM certificate: /)]);
  });

  it('loads a good file and logs what it holds', async () => {
    const { logger, lines } = recordingLogger();
    const web = await WebConfigSource.load(file(`basic_auth_users:\n  prometheus: ${HASH}\n`), logger);
    expect(web.current.generation).toBe(1);
    expect(web.current.tls).toBeUndefined();
    expect([...web.current.config.users.keys()]).toEqual(['prometheus']);
    expect(lines).toEqual([{ level: 'info', msg: 'web configuration loaded', fields: expect.objectContaining({ tls: false, basic_auth_users: 1 }) }]);
  });
});

describe('WebConfigSource reloads', () => {
  it('reads the file again only when it changed, and on SIGHUP whatever its stats say', async () => {
    const { logger, lines } = recordingLogger();
    const f = file(`basic_auth_users:\n  prometheus: ${HASH}\n`);
    const web = await WebConfigSource.load(f, logger);
    await Promise.all([web.refresh(), web.refresh(), web.refresh()]);
    expect(web.current.generation).toBe(1);
    fs.writeFileSync(f, `basic_auth_users:\n  grafana: ${HASH}\n`);
    await web.refresh();
    expect(web.current.generation).toBe(2);
    expect([...web.current.config.users.keys()]).toEqual(['grafana']);
    expect(await web.reload('SIGHUP')).toBe(true);
    expect(web.current.generation).toBe(3);
    expect(lines.map((l) => [l.msg, l.fields?.trigger])).toEqual([
      ['web configuration loaded', undefined],
      ['web configuration reloaded', 'change'],
      ['web configuration reloaded', 'SIGHUP'],
    ]);
  });

  it('keeps the last good configuration when the new file is broken or gone, and logs the problems', async () => {
    const { logger, lines } = recordingLogger();
    const f = file(`basic_auth_users:\n  prometheus: ${HASH}\n`);
    const web = await WebConfigSource.load(f, logger);
    let reloaded = 0;
    web.onReload(() => reloaded++);
    fs.writeFileSync(f, 'basic_auth_users: [\n');
    expect(await web.reload()).toBe(false);
    fs.rmSync(f);
    expect(await web.reload()).toBe(false);
    expect(web.current.generation).toBe(1);
    expect([...web.current.config.users.keys()]).toEqual(['prometheus']);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors.map((l) => l.msg)).toEqual(['the web configuration has problems; the last good one stays in force', 'the web configuration has problems; the last good one stays in force']);
    expect(String(errors[0].fields?.problems)).toMatch(/^YAML: /);
    expect(String(errors[1].fields?.problems)).toMatch(/^cannot read the file: .*ENOENT/);
    // Fixed again: in force at the next check, and the listeners hear of it.
    fs.writeFileSync(f, `basic_auth_users:\n  fixed: ${HASH}\n`);
    await web.refresh();
    expect([...web.current.config.users.keys()]).toEqual(['fixed']);
    expect(reloaded).toBe(1);
  });
});

describe('fileSignature', () => {
  it('changes when a file is rewritten, replaced by a rename, or removed', async () => {
    const f = path.join(dir, 'sig.txt');
    fs.writeFileSync(f, 'one');
    const s1 = await fileSignature([f]);
    expect(await fileSignature([f])).toBe(s1);
    fs.writeFileSync(f, 'two!');
    const s2 = await fileSignature([f]);
    expect(s2).not.toBe(s1);
    fs.writeFileSync(`${f}.new`, 'two!');
    fs.renameSync(`${f}.new`, f);
    const s3 = await fileSignature([f]);
    expect(s3).not.toBe(s2);
    fs.rmSync(f);
    expect(await fileSignature([f])).toMatch(/=error:ENOENT$/);
  });
});
