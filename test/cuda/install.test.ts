// The CUDA provider installer without network: a NuGet v3 feed on the loopback serving a package
// this test builds (the real package's layout, fake library bytes). Installs into a temporary
// folder, verifies size and SHA-512 against the catalog entry, refuses corrupted or mismatched
// packages leaving nothing behind, reuses a verified download, names the missing system library.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installCudaProviders, missingLine, missingSystemLibraries, PROVIDER_FILES, SYSTEM_LIBRARIES } from '../../server/cuda/install';
import { buildPackage, type Feed, startFeed, VERSION } from './feed';
import { cudaProviderInstalled, TargetModel } from '../../server/engine/target';
import { tinyModel } from '../helpers';

describe('CUDA provider installer', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-cuda-'));
  const built = buildPackage();
  let feed: Feed;
  let close: () => Promise<void>;
  before(async () => { ({ feed, close } = await startFeed(built.data)); });
  after(async () => { await close(); fs.rmSync(tmp, { recursive: true, force: true }); });
  const dirs = (name: string): { binDir: string; cacheDir: string } => ({ binDir: path.join(tmp, name, 'bin'), cacheDir: path.join(tmp, name, 'cache') });

  it('resolves, downloads, verifies and installs the provider libraries from the NuGet feed', async () => {
    const d = dirs('ok');
    const steps: [string, number | undefined][] = [];
    const r = await installCudaProviders({ version: VERSION, feedIndex: `${feed.url}/v3/index.json`, ...d, progress: (m, f) => steps.push([m, f]) });
    for (const f of PROVIDER_FILES) assert.deepEqual(fs.readFileSync(path.join(d.binDir, f.name)), built.files[f.name]);
    assert.deepEqual(r.files.map((f) => path.basename(f)), PROVIDER_FILES.map((f) => f.name));
    const marker = JSON.parse(fs.readFileSync(path.join(d.binDir, 'prism-cuda.json'), 'utf8')) as { version: string; sha512: string };
    assert.equal(marker.version, VERSION);
    assert.equal(marker.sha512, feed.serve.hash);
    assert.equal(steps.at(-1)?.[1], 1);
    assert.ok(steps.every(([, f], i) => i === 0 || f === undefined || f >= (steps[i - 1]?.[1] ?? 0)), 'progress only goes forward');
    assert.deepEqual(fs.readdirSync(d.binDir).filter((f) => f.includes('.tmp')), [], 'no temporary files left');
    // A second run reuses the verified download.
    const downloads = feed.requests.filter((u) => u.endsWith('.nupkg')).length;
    await installCudaProviders({ version: VERSION, feedIndex: `${feed.url}/v3/index.json`, ...d });
    assert.equal(feed.requests.filter((u) => u.endsWith('.nupkg')).length, downloads);
  });

  it('refuses a corrupted package, a wrong size, a hash mismatch, a missing version: one line, nothing installed', async () => {
    const run = async (name: string, change: () => void): Promise<string> => {
      change();
      const d = dirs(name);
      const err = await installCudaProviders({ version: VERSION, feedIndex: `${feed.url}/v3/index.json`, ...d }).then(() => undefined, (e: Error) => e);
      feed.serve = { nupkg: built.data, hash: createHash('sha512').update(built.data).digest('base64'), size: built.data.length };
      assert.ok(err, `${name}: refused`);
      assert.ok(!err.message.includes('\n'));
      assert.ok(!fs.existsSync(d.binDir) || fs.readdirSync(d.binDir).length === 0, `${name}: nothing installed`);
      return err.message;
    };
    const flipped = Buffer.from(built.data);
    flipped[100] = (flipped[100] as number) ^ 0xff;
    assert.match(await run('corrupt', () => { feed.serve.nupkg = flipped; }), /is corrupted or not the published one \(its SHA-512 differs from the feed's\); nothing was installed$/);
    assert.match(await run('size', () => { feed.serve.nupkg = built.data.subarray(0, built.data.length - 10); }), /\(\d+ bytes where the feed says \d+\); nothing was installed$/);
    assert.match(await run('hash', () => { feed.serve.hash = createHash('sha512').update('other').digest('base64'); }), /SHA-512 differs/);
    assert.match(await run('nohash', () => { feed.serve.hash = ''; }), /has no SHA-512 hash and size; refusing to install an unverified package$/);
    assert.match(await run('http', () => { feed.serve.status = 503; }), /answered HTTP 503; try again later$/);
    const d = dirs('version');
    await assert.rejects(installCudaProviders({ version: '9.9.9', feedIndex: `${feed.url}/v3/index.json`, ...d }), /not found at .* \(HTTP 404\): onnxruntime-node 9.9.9 has no Microsoft.ML.OnnxRuntime.Gpu.Linux package there$/);
    const free = await new Promise<number>((resolve) => { const srv = http.createServer().listen(0, '127.0.0.1', () => { const p = (srv.address() as AddressInfo).port; srv.close(() => resolve(p)); }); });
    await assert.rejects(installCudaProviders({ version: VERSION, feedIndex: `http://127.0.0.1:${free}/v3/index.json`, ...d }), /cannot reach 127.0.0.1:\d+ for the NuGet service index \(ECONNREFUSED\); check the network or proxy, then run "PRISM: Enable GPU \(CUDA\)" again$/);
  });

  it('names the first missing CUDA or cuDNN library and what to install', () => {
    const libDir = path.join(tmp, 'libs');
    fs.mkdirSync(libDir, { recursive: true });
    for (const l of SYSTEM_LIBRARIES.filter((x) => x.soname !== 'libcudnn.so.9')) fs.writeFileSync(path.join(libDir, l.soname), '');
    const missing = missingSystemLibraries({ dirs: [libDir] });
    assert.deepEqual(missing.map((m) => m.soname), ['libcudnn.so.9']);
    assert.equal(missingLine(missing), 'libcudnn.so.9 is missing: install cuDNN 9 for CUDA 12 (apt install libcudnn9-cuda-12, or pip nvidia-cudnn-cu12); completions stay on the CPU until then');
    fs.writeFileSync(path.join(libDir, 'libcudnn.so.9'), '');
    assert.deepEqual(missingSystemLibraries({ dirs: [libDir] }), []);
    assert.equal(missingLine([]), undefined);
    const none = missingSystemLibraries({ dirs: [path.join(tmp, 'empty')] });
    assert.match(missingLine(none) ?? '', /^libcudart.so.12 is missing \(and libcublas.so.12, libcublasLt.so.12, libcufft.so.11, libcurand.so.10, libcudnn.so.9\): install the CUDA 12 runtime/);
  });

  // (Skipped where CUDA can really run: there the model loads on the GPU.)
  const cudaUsable = cudaProviderInstalled() && missingSystemLibraries().length === 0;
  it('a CUDA device that cannot be used falls back to the CPU with one line saying what to do', { skip: cudaUsable && 'CUDA is usable here' }, async () => {
    const lines: string[] = [];
    const t = await TargetModel.load({ modelPath: tinyModel('llama', 'F32'), device: 'cuda', log: (l) => lines.push(l) });
    try {
      assert.equal(t.device, 'cpu');
      const said = lines.filter((l) => l.includes('CUDA'));
      assert.equal(said.length, 1);
      assert.match(said[0] ?? '', /^CUDA requested but unavailable \(.+\); run "PRISM: Enable GPU \(CUDA\)" \(or `prism-complete enable-cuda`\) to install the CUDA provider; CUDA 12 and cuDNN 9 must be installed. Falling back to CPU.$/);
      assert.ok(!said[0]?.slice(0, -1).includes('\n'));
    } finally {
      await t.dispose();
    }
  });
});
