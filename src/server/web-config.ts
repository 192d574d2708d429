// The web configuration (--web.config.file) at run time. Read at start-up, where any problem
// stops the exporter (main prints them all and exits 2); then read again whenever one of its
// files changed, which is checked on every new connection and every request (a stat of each
// file, shared by whoever asks at the same moment), and on SIGHUP whatever the stats say. So a
// certificate and key swapped on disk serve the next connection, and a changed password the
// next request, without a restart.
//
// A reload that fails (a file half written, a key that no longer matches its certificate, a
// typo) keeps the last good configuration and logs the problems once, where exporter-toolkit
// would fail every connection and request until the file is fixed: a scrape goes on as
// before, and the log says what to fix. TLS cannot be turned on or off while running.
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as tls from 'node:tls';
import { describeError, type Logger } from '../base/log';
import { nodeTlsSettings, parseWebConfig, type NodeTlsSettings, type WebConfig } from '../model/web-config';
import { readRegularFile } from '../readers/files';

/** The largest web configuration, certificate, key or CA file read. */
export const MAX_WEB_FILE_BYTES = 1024 * 1024;

export interface WebTlsMaterial {
  readonly settings: NodeTlsSettings;
  /** What https.createServer and setSecureContext take: cert, key, CA, versions, ciphers, curves. */
  readonly contextOptions: tls.SecureContextOptions;
  readonly certificate: { readonly subject: string; readonly notBefore: Date; readonly notAfter: Date };
  readonly allowedSans: readonly string[] | undefined;
}

export interface LoadedWebConfig {
  readonly file: string;
  readonly config: WebConfig;
  /** undefined: plain HTTP. */
  readonly tls: WebTlsMaterial | undefined;
  /** 1 for the configuration read at start-up, one more for each reload. */
  readonly generation: number;
}

export class WebConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
    this.name = 'WebConfigError';
  }
}

interface Attempt {
  readonly loaded: Omit<LoadedWebConfig, 'generation'> | undefined;
  readonly problems: string[];
  /** Worth a line in the log, not a refusal: a server certificate out of its validity period. */
  readonly warnings: { msg: string; fields: Record<string, string> }[];
  /** The files this attempt read: the configuration and those it names. */
  readonly files: string[];
  /** Their stats before they were read (see fileSignature). */
  readonly signature: string;
}

/** One file's identity and version: device, inode, size, and change times in nanoseconds; or why it has none. */
async function statSignature(file: string): Promise<string> {
  try {
    const s = await fs.stat(file, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch (err) {
    return `error:${(err as NodeJS.ErrnoException).code ?? describeError(err)}`;
  }
}

/** What changes when any of `files` is rewritten, replaced (a rename, a symlink swap) or removed. */
export async function fileSignature(files: readonly string[]): Promise<string> {
  return (await Promise.all(files.map(async (f) => `${f}=${await statSignature(f)}`))).join('\n');
}

/** PEM certificates in a bundle, one X509Certificate each; a block that does not parse throws. */
function pemCertificates(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((block) => new X509Certificate(block));
}

/** The message of a secure-context error, in the words of the web configuration. */
function contextProblem(err: unknown): string {
  const text = describeError(err);
  if (/key values mismatch/i.test(text)) return 'tls_server_config: the certificate and the key do not match (key values mismatch)';
  if (/no start line|bad base64|PEM/i.test(text) && /key|DECODER/i.test(text)) return `tls_server_config.key_file: not a PEM private key (${text})`;
  return `tls_server_config: Node refused the TLS settings: ${text}`;
}

/**
 * Reads the web configuration at `file` and every file it names, and checks all of it: the
 * YAML, the certificate and key (that they parse and match), the client CA. Never throws:
 * what is wrong is in `problems`.
 */
export async function readWebConfig(file: string, now: Date = new Date()): Promise<Attempt> {
  const problems: string[] = [];
  const warnings: Attempt['warnings'] = [];
  const configSignature = await statSignature(file);
  let text: string;
  try {
    text = (await readRegularFile(file, { maxBytes: MAX_WEB_FILE_BYTES })).toString('utf8');
  } catch (err) {
    return { loaded: undefined, problems: [`cannot read the file: ${describeError(err)}`], warnings, files: [file], signature: `${file}=${configSignature}` };
  }
  const parsed = parseWebConfig(text, file, { availableCiphers: tls.getCiphers() });
  problems.push(...parsed.problems);
  const t = parsed.config.tls;
  const named = [t?.certFile, t?.keyFile, t?.clientCaFile].filter((f): f is string => f !== undefined);
  const signature = [`${file}=${configSignature}`, await fileSignature(named)].filter((s) => s !== '').join('\n');

  const read = async (what: string, path: string | undefined, inline: string | undefined): Promise<string | undefined> => {
    if (path === undefined) return inline;
    try {
      return (await readRegularFile(path, { maxBytes: MAX_WEB_FILE_BYTES })).toString('utf8');
    } catch (err) {
      problems.push(`tls_server_config.${what}: cannot read ${path}: ${describeError(err)}`);
      return undefined;
    }
  };
  let material: WebTlsMaterial | undefined;
  if (t) {
    const [cert, key, ca] = [await read('cert_file', t.certFile, t.cert), await read('key_file', t.keyFile, t.key), await read('client_ca_file', t.clientCaFile, t.clientCa)];
    const certWhat = t.certFile !== undefined ? `cert_file ${t.certFile}` : 'cert';
    let certificate: WebTlsMaterial['certificate'] | undefined;
    if (cert !== undefined) {
      try {
        const [leaf] = pemCertificates(cert);
        if (!leaf) throw new Error('no -----BEGIN CERTIFICATE----- block');
        certificate = { subject: leaf.subject.replace(/\n/g, ', '), notBefore: new Date(leaf.validFrom), notAfter: new Date(leaf.validTo) };
        const fields = { cert_file: t.certFile ?? '(inline)', subject: certificate.subject, not_before: certificate.notBefore.toISOString(), not_after: certificate.notAfter.toISOString() };
        if (certificate.notAfter.getTime() < now.getTime()) warnings.push({ msg: 'the web server certificate has expired: clients that verify it refuse to connect', fields });
        else if (certificate.notBefore.getTime() > now.getTime()) warnings.push({ msg: 'the web server certificate is not valid yet: clients that verify it refuse to connect', fields });
      } catch (err) {
        problems.push(`tls_server_config.${certWhat.split(' ')[0]}: not a PEM certificate: ${describeError(err)}`);
      }
    }
    if (ca !== undefined) {
      try {
        if (pemCertificates(ca).length === 0) problems.push(`tls_server_config.${t.clientCaFile !== undefined ? 'client_ca_file' : 'client_ca'}: holds no PEM certificate`);
      } catch (err) {
        problems.push(`tls_server_config.${t.clientCaFile !== undefined ? 'client_ca_file' : 'client_ca'}: a certificate in it does not parse: ${describeError(err)}`);
      }
    }
    if (cert !== undefined && key !== undefined && certificate) {
      const settings = nodeTlsSettings(t);
      const contextOptions: tls.SecureContextOptions = {
        cert,
        key,
        ...(ca !== undefined ? { ca } : {}),
        minVersion: settings.minVersion,
        maxVersion: settings.maxVersion,
        ...(settings.ciphers !== undefined ? { ciphers: settings.ciphers } : {}),
        ...(settings.ecdhCurve !== undefined ? { ecdhCurve: settings.ecdhCurve } : {}),
        honorCipherOrder: settings.honorCipherOrder,
      };
      try {
        // What the server will do with them, once now: a mismatched pair, a bad key, a cipher
        // list OpenSSL cannot use fail here and not on the first connection.
        tls.createSecureContext(contextOptions);
        material = { settings, contextOptions, certificate, allowedSans: t.clientAllowedSans };
      } catch (err) {
        problems.push(contextProblem(err));
      }
    }
  }
  const loaded = problems.length === 0 ? { file, config: parsed.config, tls: material } : undefined;
  return { loaded, problems, warnings, files: [file, ...named], signature };
}

export type ReloadTrigger = 'start-up' | 'change' | 'SIGHUP';

/** The web configuration in force, and its reloads. */
export class WebConfigSource {
  private loaded: LoadedWebConfig;
  /** The files and signature of the last attempt, good or not: an unchanged bad file is not read again. */
  private files: readonly string[];
  private attempted: string;
  /** The check that callers of refresh() at the same moment share. */
  private inFlight: Promise<void> | undefined;
  /** The tail of the reloads, one at a time: an older read never replaces a newer one. */
  private serial: Promise<unknown> = Promise.resolve();
  private readonly listeners: ((loaded: LoadedWebConfig) => void)[] = [];

  private constructor(
    first: Attempt,
    private readonly logger: Logger,
    private readonly now: () => Date,
  ) {
    this.loaded = { ...first.loaded!, generation: 1 };
    this.files = first.files;
    this.attempted = first.signature;
  }

  /** Reads the file at start-up; rejects with a WebConfigError listing every problem. */
  static async load(file: string, logger: Logger, now: () => Date = () => new Date()): Promise<WebConfigSource> {
    const first = await readWebConfig(file, now());
    if (!first.loaded) throw new WebConfigError(file, first.problems);
    const source = new WebConfigSource(first, logger, now);
    source.logLoaded('start-up', first);
    return source;
  }

  get current(): LoadedWebConfig {
    return this.loaded;
  }

  /** Called after each successful reload, with the new configuration. */
  onReload(listener: (loaded: LoadedWebConfig) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Reloads if any file changed since the last attempt. Callers at the same moment share one
   * check. Never rejects: a failed reload is logged and the last good configuration stays.
   */
  refresh(): Promise<void> {
    this.inFlight ??= this.enqueue(async () => {
      try {
        if ((await fileSignature(this.files)) !== this.attempted) await this.reloadNow('change');
      } finally {
        this.inFlight = undefined;
      }
    });
    return this.inFlight;
  }

  /** Reloads whatever the files' stats say (SIGHUP). Resolves to whether the new configuration is in force. */
  reload(trigger: ReloadTrigger = 'SIGHUP'): Promise<boolean> {
    return this.enqueue(() => this.reloadNow(trigger));
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.serial.then(work);
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async reloadNow(trigger: ReloadTrigger): Promise<boolean> {
    const file = this.loaded.file;
    let attempt: Attempt;
    try {
      attempt = await readWebConfig(file, this.now());
    } catch (err) {
      this.logger.error('the web configuration could not be reloaded; the last good one stays in force', { file, trigger, err });
      return false;
    }
    this.files = attempt.files;
    this.attempted = attempt.signature;
    const problems = [...attempt.problems];
    if (attempt.loaded && (attempt.loaded.tls === undefined) !== (this.loaded.tls === undefined)) {
      problems.push(`TLS cannot be turned ${attempt.loaded.tls ? 'on' : 'off'} while the exporter runs: restart it`);
    }
    if (problems.length > 0 || !attempt.loaded) {
      this.logger.error('the web configuration has problems; the last good one stays in force', { file, trigger, problems: problems.join('; ') });
      return false;
    }
    this.loaded = { ...attempt.loaded, generation: this.loaded.generation + 1 };
    this.logLoaded(trigger, attempt);
    for (const listener of this.listeners) listener(this.loaded);
    return true;
  }

  private logLoaded(trigger: ReloadTrigger, attempt: Attempt): void {
    const { config, tls: material, file } = this.loaded;
    this.logger.info(trigger === 'start-up' ? 'web configuration loaded' : 'web configuration reloaded', {
      file,
      trigger: trigger === 'start-up' ? undefined : trigger,
      tls: material !== undefined,
      client_auth_type: config.tls?.clientAuthType,
      basic_auth_users: config.users.size,
      certificate_not_after: material?.certificate.notAfter.toISOString(),
    });
    for (const w of attempt.warnings) this.logger.warn(w.msg, w.fields);
  }
}
