import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContainerInspect } from '../../../src/readers/engine-types';
import type { ContainerFacts } from '../../../src/facts/containers';
import { ImageInventory, imageFacts, type ImageFacts } from '../../../src/facts/images';
import { shortImageId } from '../../../src/model/posture';
import { ENGINE_FIXTURES, recordedImageInspect, recordedInspect } from '../../helpers/fixtures';
import { testOptions } from '../../helpers/options';
import { RecordedEngine } from '../../helpers/recorded-engine';

const signal = new AbortController().signal;
const options = testOptions();
/** The two containers scripts/record-image-fixtures.sh made: one ran from root:1, one created from nonroot:1. */
const users = JSON.parse(fs.readFileSync(path.join(ENGINE_FIXTURES, 'recorded-resource-users.inspect.json'), 'utf8')) as ContainerInspect[];
const facts = (inspects: ContainerInspect[]) => async (): Promise<ContainerFacts> => ({ inspects, postures: [], unchanged: false, listed: inspects.length, inspected: 0, duplicates: 0 });

const byName = (all: ImageFacts[]) => Object.fromEntries(all.map((f) => [f.name === '<none>' ? `<none> ${f.shortId}` : f.name, f]));
const summaryOf = (f: ImageFacts) => ({ dangling: f.dangling, inUse: f.inUse, runsAsRoot: f.runsAsRoot, healthcheck: f.healthcheckDefined, digests: f.repoDigests, history: f.history?.length });

describe('ImageInventory', () => {
  it('turns the recorded images into facts: names, dangling, default user, healthcheck, use', async () => {
    const engine = new RecordedEngine();
    const all = byName(await new ImageInventory(engine, options).read(signal, facts([...users, recordedInspect('exited')])));
    const dangling = `<none> ${shortImageId(recordedImageInspect('dangling').Id)}`;
    expect(Object.keys(all).sort()).toEqual([dangling, 'docker-audit-test/busybox:local', 'fixture-rec-img/nonroot:1', 'fixture-rec-img/root:1'].sort());
    const historyLength = (n: 'busybox' | 'nonroot' | 'root' | 'dangling') => engine.imageHistories.get(recordedImageInspect(n).Id)!.length;
    expect(summaryOf(all['fixture-rec-img/nonroot:1'])).toEqual({ dangling: false, inUse: true, runsAsRoot: false, healthcheck: true, digests: [], history: historyLength('nonroot') });
    expect(summaryOf(all['fixture-rec-img/root:1'])).toEqual({ dangling: false, inUse: true, runsAsRoot: true, healthcheck: false, digests: [], history: historyLength('root') });
    expect(summaryOf(all['docker-audit-test/busybox:local'])).toEqual({ dangling: false, inUse: true, runsAsRoot: true, healthcheck: false, digests: [], history: historyLength('busybox') });
    // The first build of root:1's tag, untagged by the second build: dangling, unused.
    expect(summaryOf(all[dangling])).toEqual({ dangling: true, inUse: false, runsAsRoot: true, healthcheck: false, digests: [], history: historyLength('dangling') });
    expect(all[dangling].tags).toEqual([]);
    expect(all[dangling].inspect?.RepoTags).toEqual([]);
    // Ids: the full one and the 12 hex characters docker shows.
    expect(all['fixture-rec-img/root:1'].id).toBe(recordedImageInspect('root').Id);
    expect(all['fixture-rec-img/root:1'].shortId).toMatch(/^[0-9a-f]{12}$/);
    expect(`sha256:${all['fixture-rec-img/root:1'].shortId}`).toBe(recordedImageInspect('root').Id.slice(0, 19));
  });

  it('is in use only through a container of that image id', async () => {
    const all = byName(await new ImageInventory(new RecordedEngine(), options).read(signal, facts([])));
    expect(Object.values(all).map((f) => f.inUse)).toEqual([false, false, false, false]);
  });

  it('inspects and reads the history of an image once, then costs one list per read', async () => {
    const engine = new RecordedEngine();
    const inventory = new ImageInventory(engine, options);
    await inventory.read(signal, facts(users));
    expect(engine.imageCalls).toMatchObject({ list: 1, inspect: 4, history: 4 });
    expect(inventory.lastFetched).toBe(4);
    await inventory.read(signal, facts(users));
    expect(engine.imageCalls).toMatchObject({ list: 2, inspect: 4, history: 4 });
    expect(inventory.lastFetched).toBe(0);

    // A removed image leaves the cache; one that comes back is inspected again.
    const busybox = engine.images.find((i) => i.Id === recordedImageInspect('busybox').Id)!;
    engine.images = engine.images.filter((i) => i !== busybox);
    expect(await inventory.read(signal, facts(users))).toHaveLength(3);
    engine.images = [...engine.images, busybox];
    await inventory.read(signal, facts(users));
    expect(engine.imageCalls).toMatchObject({ list: 4, inspect: 5, history: 5 });
  });

  it('takes tags and digests from the list, not from the cached inspect', async () => {
    const engine = new RecordedEngine();
    const inventory = new ImageInventory(engine, options);
    await inventory.read(signal, facts([]));
    // `docker tag` then a push: the list shows the new tag and a digest; the image id is unchanged.
    const rootId = recordedImageInspect('root').Id;
    engine.images = engine.images.map((i) => (i.Id === rootId ? { ...i, RepoTags: ['registry.example/app:2', ...(i.RepoTags ?? [])], RepoDigests: ['registry.example/app@sha256:' + 'ab'.repeat(32)] } : i));
    const root = (await inventory.read(signal, facts([]))).find((f) => f.id === rootId)!;
    expect(engine.imageCalls.inspect).toBe(4);
    expect(root.name).toBe('registry.example/app:2');
    expect(root.repoDigests).toEqual(['registry.example/app@sha256:' + 'ab'.repeat(32)]);
    expect(root.inspect?.RepoTags).toEqual(['registry.example/app:2', 'fixture-rec-img/root:1']);
  });

  it('keeps an image removed between list and inspect without an inspect, and does not cache it', async () => {
    const engine = new RecordedEngine();
    const rootId = recordedImageInspect('root').Id;
    engine.imageInspects.delete(rootId);
    const inventory = new ImageInventory(engine, options);
    const root = (await inventory.read(signal, facts([]))).find((f) => f.id === rootId)!;
    expect(root).toMatchObject({ inspect: undefined, history: undefined, runsAsRoot: undefined, healthcheckDefined: undefined });
    await inventory.read(signal, facts([]));
    expect(engine.imageCalls.inspect).toBe(5); // asked again
  });

  it('fails when the engine fails', async () => {
    const engine = new RecordedEngine();
    engine.failure = new Error('listing images failed');
    await expect(new ImageInventory(engine, options).read(signal, facts([]))).rejects.toThrow('listing images failed');
  });
});

describe('imageFacts', () => {
  const inspect = recordedImageInspect('root');
  const summary = { Id: inspect.Id, RepoTags: ['<none>:<none>'], RepoDigests: ['busybox@sha256:' + '0'.repeat(64)] };
  it('treats an image with a digest but no tag as dangling, as the daemon\'s dangling filter does, with its digest present', () => {
    const f = imageFacts(summary, { inspect, history: [] }, new Set());
    expect([f.name, f.dangling, f.repoDigests.length]).toEqual(['<none>', true, 1]);
  });
  it.each([
    ['', true],
    ['0', true],
    ['root', true],
    ['0:0', true],
    ['root:staff', true],
    ['nobody', false],
    ['1000:1000', false],
    ['0x', false],
  ])('runs as root with USER %j: %s', (user, root) => {
    expect(imageFacts(summary, { inspect: { ...inspect, Config: { ...inspect.Config, User: user } }, history: [] }, new Set()).runsAsRoot).toBe(root);
  });
  it('does not count HEALTHCHECK NONE as a healthcheck', () => {
    const none = { ...inspect, Config: { ...inspect.Config, Healthcheck: { Test: ['NONE'] } } };
    expect(imageFacts(summary, { inspect: none, history: [] }, new Set()).healthcheckDefined).toBe(false);
  });
});
