// The web configuration file (--web.config.file) in the format of the Prometheus
// exporter-toolkit, which node_exporter and every exporter-toolkit exporter read: TLS, HTTP
// headers, basic auth users and a rate limit. Pure: the YAML text in, a typed configuration
// and every problem out. Reading the files it names, building the TLS context from them and
// serving it are the server's (server/web-config.ts, server/web-listen.ts).
//
// As exporter-toolkit: unknown keys are errors (it unmarshals strictly), YAML 1.1 scalars
// (yaml.v2's), relative paths are relative to the file's folder, min_version defaults to
// TLS12, cert and key come together, basic_auth_users are bcrypt hashes, and only five
// headers may be set. Where Node's TLS cannot do what Go's does, the file is refused with a
// problem that says so, rather than served differently: docs/web-config.md lists them.
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { parseDurationAs, type DurationGrammar } from '../base/duration';

export const CLIENT_AUTH_TYPES = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

/** exporter-toolkit's version names, and Node's (tls.SecureVersion) for each. */
export const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
export type TlsVersionName = keyof typeof TLS_VERSIONS;

/** The TLS 1.3 suites Go names. As in Go, naming them changes nothing: TLS 1.3 always offers all three. */
export const TLS13_CIPHER_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;

/**
 * The TLS 1.0–1.2 suites of Go's tls.CipherSuites() (the list exporter-toolkit accepts), by
 * Go name, with the OpenSSL name Node takes. The 3DES ones are in the list of older Go
 * releases; Node's OpenSSL 3 no longer offers 3DES, so they are refused (see parseWebConfig).
 */
export const CIPHER_SUITES: Readonly<Record<string, string>> = {
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: 'ECDHE-RSA-DES-CBC3-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
};

/** Go's tls.InsecureCipherSuites(): exporter-toolkit refuses them, and so does this exporter. */
export const INSECURE_CIPHER_SUITES = [
  'TLS_RSA_WITH_RC4_128_SHA',
  'TLS_RSA_WITH_AES_128_CBC_SHA256',
  'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA',
  'TLS_ECDHE_RSA_WITH_RC4_128_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256',
] as const;

/** exporter-toolkit's curve names, and OpenSSL's (Node's ecdhCurve) for each. */
export const CURVES: Readonly<Record<string, string>> = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' };
/** Hybrid post-quantum groups of newer Go releases, which Node 20's OpenSSL 3.0 does not have. */
export const UNSUPPORTED_CURVES = ['X25519MLKEM768', 'SecP256r1MLKEM768', 'SecP384r1MLKEM1024'] as const;

/**
 * The headers exporter-toolkit lets a web configuration set, with the values it allows
 * (none listed: any value). It keeps the list short on purpose, for consistency across the
 * Prometheus ecosystem.
 */
export const ALLOWED_HEADERS: Readonly<Record<string, readonly string[] | undefined>> = {
  'Strict-Transport-Security': undefined,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': undefined,
  'Content-Security-Policy': undefined,
};

export interface WebTlsConfig {
  /** Absolute paths (relative ones resolved against the file's folder), or the PEM text inline. */
  readonly certFile?: string;
  readonly cert?: string;
  readonly keyFile?: string;
  readonly key?: string;
  readonly clientCaFile?: string;
  readonly clientCa?: string;
  readonly clientAuthType: ClientAuthType;
  readonly minVersion: TlsVersionName;
  readonly maxVersion: TlsVersionName;
  /** Go names, as written; empty: Node's defaults. */
  readonly cipherSuites: readonly string[];
  readonly preferServerCipherSuites: boolean;
  /** Go names, as written; empty: Node's defaults. */
  readonly curvePreferences: readonly string[];
  /** When set, a client certificate must carry one of these SANs (DNS, IP, e-mail or URI). */
  readonly clientAllowedSans?: readonly string[];
}

export interface WebConfig {
  /** undefined: plain HTTP. */
  readonly tls: WebTlsConfig | undefined;
  /** Headers added to every answer; blank values are left out. */
  readonly headers: Readonly<Record<string, string>>;
  /** Accepted for compatibility; Node serves HTTP/1.1 only (docs/web-config.md). */
  readonly http2: boolean;
  /** User name to bcrypt hash; empty: no basic auth. */
  readonly users: ReadonlyMap<string, string>;
  /** A token bucket: one request per intervalMs, bursts of `burst`; undefined: no limit. */
  readonly rateLimit: { readonly intervalMs: number; readonly burst: number } | undefined;
}

export interface ParseOptions {
  /**
   * The ciphers this Node offers (tls.getCiphers(): lower-case OpenSSL names). A suite whose
   * OpenSSL name is not among them is refused. Default: no such check.
   */
  readonly availableCiphers?: readonly string[];
}

/** A bcrypt hash as htpasswd -B, Go's bcrypt and bcryptjs write it: $2y$10$ and 53 characters of salt and hash. */
const BCRYPT_HASH = /^\$2[aby]?\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/** Whether `text` is a bcrypt hash that Go's bcrypt.Cost accepts (cost 4 to 31) and bcryptjs can compare. */
export function isBcryptHash(text: string): boolean {
  const m = BCRYPT_HASH.exec(text);
  return m !== null && Number(m[1]) >= 4 && Number(m[1]) <= 31;
}

/** Go's time.ParseDuration units and numerals ("1.", ".5" included). */
const GO_DURATION: DurationGrammar = {
  unitsMs: { ns: 1e-6, us: 1e-3, '\u00b5s': 1e-3, '\u03bcs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 },
  number: '\\d+(?:\\.\\d*)?|\\.\\d+',
};

/** Parses a Go duration ("1s", "1m30s", "500ms", "1.5h", "0") into milliseconds; undefined if it is not one. */
export const parseGoDuration = (text: string): number | undefined => parseDurationAs(text, GO_DURATION);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (v: Json | undefined): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

const TOP_KEYS = ['tls_server_config', 'http_server_config', 'basic_auth_users', 'rate_limit'];
const TLS_KEYS = [
  'cert_file',
  'key_file',
  'cert',
  'key',
  'client_ca_file',
  'client_ca',
  'client_auth_type',
  'min_version',
  'max_version',
  'cipher_suites',
  'prefer_server_cipher_suites',
  'curve_preferences',
  'client_allowed_sans',
];
const HTTP_KEYS = ['headers', 'http2'];
const RATE_KEYS = ['interval', 'burst'];

/** yaml.v2 decodes any scalar into a string field; so does this (a number stays its text). */
function scalarText(v: Json | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/**
 * Parses and validates the text of a web configuration file at `file` (an absolute path,
 * whose folder relative paths are resolved against). Returns the configuration, as much of
 * it as could be read, and every problem found, each naming its key; the configuration is
 * only fit to serve when there are none. Secrets (keys, hashes) never appear in a problem.
 */
export function parseWebConfig(text: string, file: string, options: ParseOptions = {}): { config: WebConfig; problems: string[] } {
  const problems: string[] = [];
  const dir = path.dirname(file);
  // YAML 1.1, as Go's yaml.v2: `yes` and `on` are booleans there too.
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: true, prettyErrors: false });
  for (const e of doc.errors) problems.push(`YAML: ${e.message.split('\n')[0].replace(/:$/, '')}`);
  let root: Json = null;
  if (doc.errors.length === 0) {
    try {
      root = (doc.toJS({ maxAliasCount: 100 }) as Json | undefined) ?? null;
    } catch (err) {
      // The yaml library throws, rather than reports, an alias bomb ("billion laughs").
      problems.push(`YAML: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  const unknownKeys = (obj: { [key: string]: Json }, known: readonly string[], where: string) => {
    for (const k of Object.keys(obj)) if (!known.includes(k)) problems.push(`${where}${k}: unknown key (known: ${known.join(', ')})`);
  };
  /** The mapping at `key` of `parent`; null and absent are an empty one. */
  const section = (parent: { [key: string]: Json }, key: string, where: string): { [key: string]: Json } => {
    const v = parent[key];
    if (v === undefined || v === null) return {};
    if (!isObject(v)) {
      problems.push(`${where}${key}: expected a mapping`);
      return {};
    }
    return v;
  };
  const str = (obj: { [key: string]: Json }, key: string, where: string): string | undefined => {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    const s = scalarText(v);
    if (s === undefined) problems.push(`${where}${key}: expected a string`);
    return s === '' ? undefined : s;
  };
  const bool = (obj: { [key: string]: Json }, key: string, where: string, fallback: boolean): boolean => {
    const v = obj[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') {
      problems.push(`${where}${key}: expected true or false`);
      return fallback;
    }
    return v;
  };
  const list = (obj: { [key: string]: Json }, key: string, where: string): string[] | undefined => {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => scalarText(x) === undefined)) {
      problems.push(`${where}${key}: expected a list of strings`);
      return undefined;
    }
    return v.map((x) => scalarText(x)!);
  };

  let top: { [key: string]: Json } = {};
  if (root !== null && !isObject(root)) problems.push('expected a mapping at the top level (tls_server_config, http_server_config, basic_auth_users, rate_limit)');
  else if (root !== null) top = root;
  unknownKeys(top, TOP_KEYS, '');

  // ---------------------------------------------------------------- tls_server_config
  const W = 'tls_server_config.';
  const t = section(top, 'tls_server_config', '');
  unknownKeys(t, TLS_KEYS, W);
  const resolve = (p: string | undefined) => (p === undefined || path.isAbsolute(p) ? p : path.resolve(dir, p));
  const certFile = resolve(str(t, 'cert_file', W));
  const keyFile = resolve(str(t, 'key_file', W));
  const cert = str(t, 'cert', W);
  const key = str(t, 'key', W);
  const clientCaFile = resolve(str(t, 'client_ca_file', W));
  const clientCa = str(t, 'client_ca', W);
  const clientAuthText = str(t, 'client_auth_type', W);
  // exporter-toolkit's IsEnabled: any of these turns TLS on, and then cert and key are required.
  const tlsEnabled = [certFile, keyFile, cert, key, clientCaFile, clientCa, clientAuthText].some((v) => v !== undefined);

  let clientAuthType: ClientAuthType = 'NoClientCert';
  if (clientAuthText === 'RequireClientCert') clientAuthType = 'RequireAnyClientCert'; // exporter-toolkit's old name, still accepted there
  else if (clientAuthText !== undefined) {
    if ((CLIENT_AUTH_TYPES as readonly string[]).includes(clientAuthText)) clientAuthType = clientAuthText as ClientAuthType;
    else problems.push(`${W}client_auth_type: "${clientAuthText}" is not one of ${CLIENT_AUTH_TYPES.join(', ')}`);
  }
  const version = (key: 'min_version' | 'max_version', fallback: TlsVersionName): TlsVersionName => {
    const v = str(t, key, W);
    if (v === undefined) return fallback;
    if (v in TLS_VERSIONS) return v as TlsVersionName;
    problems.push(`${W}${key}: unknown TLS version "${v}" (known: ${Object.keys(TLS_VERSIONS).join(', ')})`);
    return fallback;
  };
  const minVersion = version('min_version', 'TLS12');
  const maxVersion = version('max_version', 'TLS13');
  const cipherSuites = list(t, 'cipher_suites', W) ?? [];
  const curvePreferences = list(t, 'curve_preferences', W) ?? [];
  const clientAllowedSans = list(t, 'client_allowed_sans', W);
  const preferServerCipherSuites = bool(t, 'prefer_server_cipher_suites', W, true);

  let tls: WebTlsConfig | undefined;
  if (tlsEnabled) {
    if (certFile === undefined && cert === undefined) problems.push(`${W}cert_file: missing (TLS needs cert_file, or cert inline, with key_file or key)`);
    if (keyFile === undefined && key === undefined) problems.push(`${W}key_file: missing (TLS needs key_file, or key inline, with cert_file or cert)`);
    if (certFile !== undefined && cert !== undefined) problems.push(`${W}cert: give cert_file or cert, not both`);
    if (keyFile !== undefined && key !== undefined) problems.push(`${W}key: give key_file or key, not both`);
    if (clientCaFile !== undefined && clientCa !== undefined) problems.push(`${W}client_ca: give client_ca_file or client_ca, not both`);
    const hasCa = clientCaFile !== undefined || clientCa !== undefined;
    if (hasCa && clientAuthType === 'NoClientCert') {
      problems.push(`${W}client_ca_file: a client CA is configured but client_auth_type is NoClientCert (set RequireAndVerifyClientCert to verify clients)`);
    }
    if (!hasCa && (clientAuthType === 'VerifyClientCertIfGiven' || clientAuthType === 'RequireAndVerifyClientCert')) {
      problems.push(`${W}client_ca_file: client_auth_type ${clientAuthType} verifies client certificates against client_ca_file (or client_ca), which is missing`);
    }
    // exporter-toolkit checks the SANs only of a certificate it asked for: with NoClientCert the
    // list would silently check nothing, so it is refused rather than ignored.
    if (clientAllowedSans !== undefined && clientAuthType === 'NoClientCert') {
      problems.push(`${W}client_allowed_sans: client_auth_type NoClientCert asks for no client certificate, so there would be no SAN to check (set RequireAndVerifyClientCert)`);
    }
    if (maxVersion === 'TLS10' || maxVersion === 'TLS11') {
      problems.push(`${W}max_version: ${maxVersion} cannot be served: Node's OpenSSL 3 completes no TLS 1.0 or 1.1 handshake at its default security level (use TLS12 or TLS13)`);
    }
    if (Number(minVersion.slice(3)) > Number(maxVersion.slice(3))) problems.push(`${W}min_version: ${minVersion} is above max_version ${maxVersion}`);
    const available = options.availableCiphers ? new Set(options.availableCiphers.map((c) => c.toLowerCase())) : undefined;
    for (const name of cipherSuites) {
      if ((TLS13_CIPHER_SUITES as readonly string[]).includes(name)) continue;
      const openssl = CIPHER_SUITES[name];
      if ((INSECURE_CIPHER_SUITES as readonly string[]).includes(name)) problems.push(`${W}cipher_suites: ${name} is insecure; exporter-toolkit refuses it too`);
      else if (openssl === undefined) problems.push(`${W}cipher_suites: unknown cipher suite "${name}" (Go's names, such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)`);
      else if (available && !available.has(openssl.toLowerCase())) {
        problems.push(`${W}cipher_suites: ${name} (OpenSSL ${openssl}) is not offered by this Node's OpenSSL${openssl.includes('DES-CBC3') ? ' (OpenSSL 3 has no 3DES suites at its default security level)' : ''}`);
      }
    }
    for (const name of curvePreferences) {
      if (name in CURVES) continue;
      if ((UNSUPPORTED_CURVES as readonly string[]).includes(name)) problems.push(`${W}curve_preferences: ${name} is not supported by Node 20's OpenSSL 3.0`);
      else problems.push(`${W}curve_preferences: unknown curve "${name}" (known: ${Object.keys(CURVES).join(', ')})`);
    }
    tls = {
      certFile,
      cert,
      keyFile,
      key,
      clientCaFile,
      clientCa,
      clientAuthType,
      minVersion,
      maxVersion,
      cipherSuites,
      preferServerCipherSuites,
      curvePreferences,
      clientAllowedSans,
    };
  }

  // ---------------------------------------------------------------- http_server_config
  const H = 'http_server_config.';
  const h = section(top, 'http_server_config', '');
  unknownKeys(h, HTTP_KEYS, H);
  const http2 = bool(h, 'http2', H, true);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(section(h, 'headers', H))) {
    const allowed = ALLOWED_HEADERS[name];
    if (!(name in ALLOWED_HEADERS)) {
      problems.push(`${H}headers: HTTP header "${name}" can not be configured (allowed: ${Object.keys(ALLOWED_HEADERS).join(', ')})`);
      continue;
    }
    const text = value === null ? '' : scalarText(value);
    if (text === undefined) {
      problems.push(`${H}headers.${name}: expected a string`);
      continue;
    }
    if (allowed && !allowed.includes(text)) {
      problems.push(`${H}headers.${name}: "${text}" is not one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
      continue;
    }
    if (text !== '') headers[name] = text;
  }

  // ---------------------------------------------------------------- basic_auth_users
  const users = new Map<string, string>();
  for (const [user, hash] of Object.entries(section(top, 'basic_auth_users', ''))) {
    const text = scalarText(hash);
    if (text === undefined || !isBcryptHash(text)) {
      problems.push(`basic_auth_users.${user}: not a bcrypt hash (expected $2y$, a cost from 04 to 31, $ and 53 characters, as htpasswd -nBC 10 "" | tr -d ':\\n' prints)`);
      continue;
    }
    users.set(user, text);
  }

  // ---------------------------------------------------------------- rate_limit
  const R = 'rate_limit.';
  const r = section(top, 'rate_limit', '');
  unknownKeys(r, RATE_KEYS, R);
  let rateLimit: WebConfig['rateLimit'];
  const intervalText = r.interval === undefined || r.interval === null ? undefined : scalarText(r.interval);
  const intervalMs = intervalText === undefined ? 0 : parseGoDuration(intervalText);
  if (intervalMs === undefined) problems.push(`${R}interval: "${intervalText}" is not a duration such as 100ms or 1s`);
  let burst = 0;
  if (r.burst !== undefined && r.burst !== null) {
    if (typeof r.burst !== 'number' || !Number.isInteger(r.burst) || r.burst < 0) problems.push(`${R}burst: expected a whole number of requests`);
    else burst = r.burst;
  }
  // As exporter-toolkit: an interval of 0 (or none) turns the limiter off.
  if (intervalMs !== undefined && intervalMs > 0) rateLimit = { intervalMs, burst };

  return { config: { tls, headers, http2, users, rateLimit }, problems };
}

/** What a WebTlsConfig means to Node: secure context options and the client certificate policy. */
export interface NodeTlsSettings {
  readonly minVersion: (typeof TLS_VERSIONS)[TlsVersionName];
  readonly maxVersion: (typeof TLS_VERSIONS)[TlsVersionName];
  /** OpenSSL cipher list; undefined: Node's default. */
  readonly ciphers: string | undefined;
  /** OpenSSL curve list; undefined: Node's default ("auto"). */
  readonly ecdhCurve: string | undefined;
  readonly honorCipherOrder: boolean;
  /** Ask the client for a certificate. */
  readonly requestCert: boolean;
  /** Let OpenSSL fail the handshake without a certificate, and Node drop an unverified one. */
  readonly rejectUnauthorized: boolean;
  /**
   * What is checked once the handshake is done, where Node cannot fail the handshake itself:
   * "any": some certificate was sent (verified or not); "if-given": a certificate that was sent verified.
   */
  readonly afterHandshake: 'none' | 'any' | 'if-given';
}

export function nodeTlsSettings(tls: WebTlsConfig): NodeTlsSettings {
  const tls12 = tls.cipherSuites.filter((c) => CIPHER_SUITES[c] !== undefined).map((c) => CIPHER_SUITES[c]);
  const named13 = tls.cipherSuites.some((c) => (TLS13_CIPHER_SUITES as readonly string[]).includes(c));
  // Go's cipher_suites governs TLS 1.0–1.2 only; TLS 1.3 keeps all three of its suites.
  const ciphers = tls.cipherSuites.length === 0 ? undefined : [...(tls12.length > 0 || named13 ? ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'] : []), ...tls12].join(':');
  const ecdhCurve = tls.curvePreferences.length === 0 ? undefined : tls.curvePreferences.map((c) => CURVES[c]).filter((c) => c !== undefined).join(':');
  const policy: Record<ClientAuthType, Pick<NodeTlsSettings, 'requestCert' | 'rejectUnauthorized' | 'afterHandshake'>> = {
    NoClientCert: { requestCert: false, rejectUnauthorized: false, afterHandshake: 'none' },
    RequestClientCert: { requestCert: true, rejectUnauthorized: false, afterHandshake: 'none' },
    RequireAnyClientCert: { requestCert: true, rejectUnauthorized: false, afterHandshake: 'any' },
    VerifyClientCertIfGiven: { requestCert: true, rejectUnauthorized: false, afterHandshake: 'if-given' },
    RequireAndVerifyClientCert: { requestCert: true, rejectUnauthorized: true, afterHandshake: 'none' },
  };
  // TLS10 and TLS11 as a minimum are accepted; OpenSSL 3 at security level 1 still negotiates nothing below TLS 1.2.
  return {
    minVersion: TLS_VERSIONS[tls.minVersion],
    maxVersion: TLS_VERSIONS[tls.maxVersion],
    ciphers,
    ecdhCurve,
    honorCipherOrder: tls.preferServerCipherSuites,
    ...policy[tls.clientAuthType],
  };
}

/**
 * The SANs of a certificate as Node writes them (X509Certificate.subjectAltName,
 * getPeerCertificate().subjectaltname: "DNS:a, IP Address:127.0.0.1, email:x@y, URI:spiffe://z"),
 * as the strings Go compares client_allowed_sans with.
 */
export function subjectAltNames(text: string | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  // Values with a comma or a quote are written as JSON strings by Node.
  const re = /(DNS|IP Address|email|URI):("(?:[^"\\]|\\.)*"|[^,]*)(?:,\s*|$)/gy;
  for (let m = re.exec(text); m && m[0] !== ''; m = re.exec(text)) {
    let value = m[2];
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        // not JSON after all: keep it as written
      }
    }
    out.push(m[1] === 'IP Address' ? canonicalIp(value.trim()) : value.trim());
  }
  return out;
}

/** An IPv6 address in Go's net.IP.String() form (lower case, the longest zero run as ::); others unchanged. */
export function canonicalIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  const halves = ip.toLowerCase().split('::');
  if (halves.length > 2) return ip;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups = halves.length === 2 ? [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail] : head;
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return ip;
  const parts = groups.map((g) => String(parseInt(g, 16).toString(16)));
  // The longest run of two or more zero groups (the first, on a tie) becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (parts[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return parts.join(':');
  return `${parts.slice(0, best).join(':')}::${parts.slice(best + bestLen).join(':')}`;
}
