import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_SETTINGS, DRAFT_MODES, enabledFor, normalizeSettings, whyOff } from '../../common/settings';
import { ROOT } from '../helpers';

describe('settings', () => {
  it('defaults for nothing, values for valid input', () => {
    assert.deepEqual(normalizeSettings(undefined), { settings: DEFAULT_SETTINGS, problems: [] });
    const { settings, problems } = normalizeSettings({ maxTokens: 32, device: 'cpu', debounceMs: 40, draft: { mode: 'ngram', depth: 3, tree: 'dynamic', grow: 8 } });
    assert.deepEqual(problems, []);
    assert.equal(settings.maxTokens, 32);
    assert.equal(settings.device, 'cpu');
    assert.equal(settings.debounceMs, 40);
    assert.deepEqual(settings.draft, { ...DEFAULT_SETTINGS.draft, mode: 'ngram', depth: 3, tree: 'dynamic', grow: 8 });
  });
  it('rejects bad values with one line each and falls back to the default', () => {
    const { settings, problems } = normalizeSettings({ maxTokens: -3, device: 'tpu', enable: 'yes', progressive: 'sometimes', cacheDocuments: 0, draft: { depth: 99, grow: 13 } });
    assert.equal(settings.maxTokens, DEFAULT_SETTINGS.maxTokens);
    assert.equal(settings.device, 'auto');
    assert.equal(settings.enable, true);
    assert.equal(settings.draft.depth, 4);
    assert.equal(settings.draft.grow, 0);
    assert.equal(settings.progressive, true);
    assert.deepEqual(problems, [
      'prism.draft.depth must be a whole number from 1 to 12; using 4',
      'prism.enable must be true or false; using true',
      'prism.device must be one of auto, cpu, cuda; using auto',
      'prism.maxTokens must be a whole number from 1 to 512; using 64',
      'prism.progressive must be true or false; using true',
      'prism.cacheDocuments must be a whole number from 1 to 8; using 2',
      'prism.draft.grow must be a whole number from 0 to 12; using 0',
    ]);
    assert.equal(settings.cacheDocuments, 2);
  });
  it('reads the remote backend settings, and rejects a bad API choice or timeout in one line each', () => {
    const ok = normalizeSettings({ backend: 'remote', remote: { url: ' http://gpu:8080 ', model: 'qwen', api: 'infill', timeoutMs: 3000 } });
    assert.deepEqual(ok.problems, []);
    assert.equal(ok.settings.backend, 'remote');
    assert.deepEqual(ok.settings.remote, { url: 'http://gpu:8080', model: 'qwen', api: 'infill', timeoutMs: 3000 });
    const bad = normalizeSettings({ backend: 'cloud', remote: { api: 'chat', timeoutMs: 5, url: 7 } });
    assert.equal(bad.settings.backend, 'local');
    assert.deepEqual(bad.settings.remote, DEFAULT_SETTINGS.remote);
    assert.deepEqual(bad.problems, [
      'prism.backend must be one of local, remote; using local',
      'prism.remote.url must be a string; using ""',
      'prism.remote.api must be one of auto, infill, completions, completions-suffix; using auto',
      'prism.remote.timeoutMs must be a whole number from 500 to 120000; using 10000',
    ]);
  });
  it('enables per language and excludes by glob', () => {
    const s = normalizeSettings({ languages: { python: false }, exclude: ['**/secrets/**', '**/*.min.js'] }).settings;
    assert.equal(enabledFor(s, 'typescript', '/w/a.ts'), true);
    assert.equal(enabledFor(s, 'python', '/w/a.py'), false);
    assert.equal(enabledFor(s, 'markdown', '/w/a.md'), false, 'the defaults for other languages stay');
    assert.equal(enabledFor(s, 'javascript', '/w/dist/app.min.js'), false);
    assert.equal(enabledFor(s, 'javascript', '/w/secrets/k.js'), false);
    assert.equal(enabledFor(s, 'javascript', '/w/notsecrets.js'), true);
    assert.equal(enabledFor({ ...s, enable: false }, 'typescript', '/w/a.ts'), false);
    // What the status bar says where they are off, and how to turn them on.
    assert.equal(whyOff(s, 'python', '/w/a.py'), 'off in python files; to turn them on: "prism.languages": { "python": true }');
    assert.equal(whyOff(s, 'plaintext', '/w/notes.txt'), 'off in plaintext files; to turn them on: "prism.languages": { "plaintext": true }');
    assert.equal(whyOff(s, 'javascript', 'C:\\w\\secrets\\k.js'), 'off in this file: it matches "**/secrets/**" in prism.exclude');
    assert.equal(whyOff(s, 'typescript', '/w/a.ts'), undefined);
  });
  it('declares in package.json exactly the keys, defaults and choices of the schema', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { default: unknown; enum?: unknown[] }> } } };
    const declared = pkg.contributes.configuration.properties;
    const flat: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(DEFAULT_SETTINGS)) {
      if (k === 'draft' || k === 'datastore' || k === 'remote') for (const [dk, dv] of Object.entries(v as object)) flat[`prism.${k}.${dk}`] = dv;
      else flat[`prism.${k}`] = v;
    }
    assert.deepEqual(Object.keys(declared).sort(), Object.keys(flat).sort());
    for (const [k, v] of Object.entries(flat)) assert.deepEqual(declared[k]?.default, v, `${k}: package.json default`);
    assert.deepEqual(declared['prism.draft.mode']?.enum, [...DRAFT_MODES]);
    assert.deepEqual(declared['prism.device']?.enum, ['auto', 'cpu', 'cuda']);
  });
});
