import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContainerInspect, ContainerSummary, ImageHistoryEntry, ImageInspect } from '../../src/readers/engine-types';
import type { Sample } from '../../src/metrics/sample';

/** Fixtures recorded from Docker Engine 20.10 (API 1.41) by scripts/record-fixtures.sh. */
export const ENGINE_FIXTURES = path.join(__dirname, '..', 'fixtures', 'engine-20.10');
export const PODMAN_FIXTURES = path.join(__dirname, '..', 'fixtures', 'podman-4.3');

export const RECORDED_CONTAINERS = [
  'caps',
  'compose',
  'exited',
  'hardened',
  'hostns',
  'mounts',
  'oom',
  'ports',
  'privileged',
  'restartloop',
  'unhealthy',
] as const;
export type RecordedContainer = (typeof RECORDED_CONTAINERS)[number];

export function recordedInspect(name: RecordedContainer): ContainerInspect {
  return JSON.parse(fs.readFileSync(path.join(ENGINE_FIXTURES, `recorded-${name}.inspect.json`), 'utf8')) as ContainerInspect;
}

export function recordedList(): ContainerSummary[] {
  return JSON.parse(fs.readFileSync(path.join(ENGINE_FIXTURES, 'recorded-containers-list.json'), 'utf8')) as ContainerSummary[];
}

/** Images recorded by scripts/record-image-fixtures.sh (recorded-image-{inspect,history}-NAME.json). */
export const RECORDED_IMAGES = ['busybox', 'nonroot', 'root', 'dangling'] as const;
export type RecordedImage = (typeof RECORDED_IMAGES)[number];

export function recordedImageInspect(name: RecordedImage): ImageInspect {
  return JSON.parse(fs.readFileSync(path.join(ENGINE_FIXTURES, `recorded-image-inspect-${name}.json`), 'utf8')) as ImageInspect;
}

export function recordedImageHistory(name: RecordedImage): ImageHistoryEntry[] {
  return JSON.parse(fs.readFileSync(path.join(ENGINE_FIXTURES, `recorded-image-history-${name}.json`), 'utf8')) as ImageHistoryEntry[];
}

/** Series of one family as "label=value,... => value" strings without the per-container labels, sorted. */
export function series(samples: readonly Sample[], family: string, omit: readonly string[] = ['name', 'id', 'image', 'state']): string[] {
  return samples
    .filter((s) => s.family.name === family)
    .map((s) => {
      const labels = Object.entries(s.labels)
        .filter(([k]) => !omit.includes(k))
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      return `${labels} => ${s.value}`;
    })
    .sort();
}

/** The single value of a family without extra labels, or undefined when absent. */
export function valueOf(samples: readonly Sample[], family: string): number | undefined {
  const found = samples.filter((s) => s.family.name === family);
  if (found.length > 1) throw new Error(`${family} has ${found.length} series, expected at most 1`);
  return found[0]?.value;
}
