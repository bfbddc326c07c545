// CUDA on a user's machine: onnxruntime-node's CUDA provider libraries are too large for npm, so
// its own installer fetches them from NuGet (package Microsoft.ML.OnnxRuntime.Gpu.Linux of the
// same version) at `npm install` time; an installed extension never runs that installer. This
// module does the same from inside VS Code (command "PRISM: Enable GPU (CUDA)") or the CLI
// (`prism-complete enable-cuda`), and more carefully:
//   1. resolve the package in the NuGet v3 feed (PackageBaseAddress for the .nupkg, the
//      registration's catalog entry for its size and SHA-512);
//   2. download it to the user cache with progress, verify size and hash (a corrupted or
//      substituted package is refused, nothing installed);
//   3. extract the provider libraries into onnxruntime-node's binary folder, each written to a
//      temporary name and renamed (never half-written);
//   4. check the machine's CUDA and cuDNN libraries the provider needs, naming the first missing
//      one and what to install.
// vscode-free; the fetch function, feed URL and folders are parameters (the tests serve a package
// they build from a loopback HTTP server).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import AdmZip from 'adm-zip';
import { writeFileAtomic } from '../engine/graph-cache';

export const NUGET_INDEX = 'https://api.nuget.org/v3/index.json';
export const CUDA_PACKAGE = 'Microsoft.ML.OnnxRuntime.Gpu.Linux';

/** The provider libraries onnxruntime-node loads for CUDA, and where they sit in the package. */
export const PROVIDER_FILES = [
  { name: 'libonnxruntime_providers_cuda.so', inPackage: 'runtimes/linux-x64/native/libonnxruntime_providers_cuda.so' },
  { name: 'libonnxruntime_providers_shared.so', inPackage: 'runtimes/linux-x64/native/libonnxruntime_providers_shared.so' },
] as const;

/** What the CUDA provider of onnxruntime 1.2x/1.30 (CUDA 12 build) loads from the system, and where it comes from. */
export const SYSTEM_LIBRARIES: { soname: string; install: string }[] = [
  { soname: 'libcudart.so.12', install: 'the CUDA 12 runtime (NVIDIA CUDA Toolkit 12.x, or pip nvidia-cuda-runtime-cu12)' },
  { soname: 'libcublas.so.12', install: 'cuBLAS for CUDA 12 (CUDA Toolkit 12.x, or pip nvidia-cublas-cu12)' },
  { soname: 'libcublasLt.so.12', install: 'cuBLAS for CUDA 12 (CUDA Toolkit 12.x, or pip nvidia-cublas-cu12)' },
  { soname: 'libcufft.so.11', install: 'cuFFT for CUDA 12 (CUDA Toolkit 12.x, or pip nvidia-cufft-cu12)' },
  { soname: 'libcurand.so.10', install: 'cuRAND for CUDA 12 (CUDA Toolkit 12.x, or pip nvidia-curand-cu12)' },
  { soname: 'libcudnn.so.9', install: 'cuDNN 9 for CUDA 12 (apt install libcudnn9-cuda-12, or pip nvidia-cudnn-cu12)' },
];

export interface CudaInstallOptions {
  /** onnxruntime-node's version: the package version fetched (they are released together). */
  version: string;
  /** Where onnxruntime-node loads providers from (its bin/napi-v6/linux/x64 folder). */
  binDir: string;
  feedIndex?: string;
  /** Download folder (default: the user cache); a finished download is reused if it verifies. */
  cacheDir?: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  progress?: (message: string, fraction?: number) => void;
}

export class CudaInstallError extends Error {}

/** onnxruntime-node's folder of native binaries for this platform, as its loader looks them up. */
export function ortBinDir(): string {
  const pkg = require.resolve('onnxruntime-node/package.json');
  return path.join(path.dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
}

export function ortVersion(): string {
  return (JSON.parse(fs.readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
}

/** Downloads, verifies and installs the CUDA provider libraries; returns the files written. */
export async function installCudaProviders(o: CudaInstallOptions): Promise<{ files: string[]; packageUrl: string; sha512: string }> {
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new CudaInstallError(`CUDA is set up here for Linux x64 only (this is ${process.platform}/${process.arch}); completions stay on the CPU`);
  const get = o.fetch ?? fetch;
  const say = o.progress ?? (() => {});
  const index = o.feedIndex ?? NUGET_INDEX;
  const id = CUDA_PACKAGE.toLowerCase();
  const v = o.version.toLowerCase();
  const json = async <T>(url: string, what: string): Promise<T> => {
    let r: Response;
    try { r = await get(url, { signal: o.signal }); } catch (e) {
      if (o.signal?.aborted) throw new CudaInstallError('cancelled; nothing was installed');
      throw new CudaInstallError(`cannot reach ${new URL(url).host} for ${what} (${why(e)}); check the network or proxy, then run "PRISM: Enable GPU (CUDA)" again`);
    }
    if (r.status === 404) throw new CudaInstallError(`${what} not found at ${url} (HTTP 404): onnxruntime-node ${o.version} has no ${CUDA_PACKAGE} package there`);
    if (!r.ok) throw new CudaInstallError(`${url} answered HTTP ${r.status} for ${what}; try again later`);
    try { return await r.json() as T; } catch { throw new CudaInstallError(`${url} sent ${what} that is not JSON; check the feed (${index})`); }
  };

  say(`resolving ${CUDA_PACKAGE} ${o.version}`, 0);
  const feed = await json<{ resources?: { '@id': string; '@type': string }[] }>(index, 'the NuGet service index');
  const res = feed.resources ?? [];
  const baseAddr = res.find((x) => x['@type'] === 'PackageBaseAddress/3.0.0')?.['@id'];
  const regBase = res.find((x) => x['@type'] === 'RegistrationsBaseUrl/3.6.0')?.['@id'] ?? res.find((x) => x['@type'].startsWith('RegistrationsBaseUrl'))?.['@id'];
  if (!baseAddr || !regBase) throw new CudaInstallError(`${index} lacks PackageBaseAddress or RegistrationsBaseUrl: not a NuGet v3 feed`);
  const slash = (u: string): string => (u.endsWith('/') ? u : `${u}/`);
  const leaf = await json<{ catalogEntry?: string | { '@id': string } }>(`${slash(regBase)}${id}/${v}.json`, `the registration of ${CUDA_PACKAGE} ${o.version}`);
  const entryUrl = typeof leaf.catalogEntry === 'string' ? leaf.catalogEntry : leaf.catalogEntry?.['@id'];
  if (!entryUrl) throw new CudaInstallError(`the registration of ${CUDA_PACKAGE} ${o.version} names no catalog entry; cannot verify the download`);
  const entry = await json<{ packageHash?: string; packageHashAlgorithm?: string; packageSize?: number }>(entryUrl, 'the package catalog entry');
  if (!entry.packageHash || entry.packageHashAlgorithm?.toUpperCase() !== 'SHA512' || !entry.packageSize) {
    throw new CudaInstallError(`the catalog entry of ${CUDA_PACKAGE} ${o.version} has no SHA-512 hash and size; refusing to install an unverified package`);
  }
  const packageUrl = `${slash(baseAddr)}${id}/${v}/${id}.${v}.nupkg`;

  // Download (or reuse a verified earlier download).
  const cache = o.cacheDir ?? path.join(os.homedir(), '.cache', 'prism-complete', 'cuda');
  fs.mkdirSync(cache, { recursive: true });
  const file = path.join(cache, `${id}.${v}.nupkg`);
  const verify = (buf: Buffer): string | undefined => {
    if (buf.length !== entry.packageSize) return `${buf.length} bytes where the feed says ${entry.packageSize}`;
    const h = createHash('sha512').update(buf).digest('base64');
    return h === entry.packageHash ? undefined : 'its SHA-512 differs from the feed\'s';
  };
  let pkg: Buffer | undefined = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
  if (pkg && verify(pkg)) pkg = undefined;
  if (!pkg) {
    say(`downloading ${packageUrl} (${(entry.packageSize / 2 ** 20).toFixed(0)} MiB)`, 0.05);
    pkg = await download(get, packageUrl, entry.packageSize, o.signal, (f) => say(`downloading ${CUDA_PACKAGE} ${o.version}`, 0.05 + 0.85 * f));
    const bad = verify(pkg);
    if (bad) throw new CudaInstallError(`the downloaded ${CUDA_PACKAGE} ${o.version} is corrupted or not the published one (${bad}); nothing was installed`);
    writeFileAtomic(file, pkg);
  }

  // Extract the provider libraries, each atomically.
  say('installing the CUDA provider libraries', 0.92);
  let zip: AdmZip;
  try { zip = new AdmZip(pkg); } catch (e) { throw new CudaInstallError(`${CUDA_PACKAGE} ${o.version} is not a valid package (${(e as Error).message}); nothing was installed`); }
  const parts = PROVIDER_FILES.map((f) => {
    const e = zip.getEntry(f.inPackage);
    if (!e) throw new CudaInstallError(`${CUDA_PACKAGE} ${o.version} lacks ${f.inPackage}; nothing was installed`);
    return { name: f.name, data: e.getData() };
  });
  fs.mkdirSync(o.binDir, { recursive: true });
  const files: string[] = [];
  for (const p of parts) {
    const dest = path.join(o.binDir, p.name);
    writeFileAtomic(dest, p.data);
    files.push(dest);
  }
  const sha512 = entry.packageHash;
  writeFileAtomic(path.join(o.binDir, 'prism-cuda.json'), Buffer.from(`${JSON.stringify({ package: CUDA_PACKAGE, version: o.version, sha512, from: packageUrl, installed: new Date().toISOString() }, null, 1)}\n`));
  say('installed', 1);
  return { files, packageUrl, sha512 };
}

async function download(get: typeof fetch, url: string, size: number, signal: AbortSignal | undefined, progress: (fraction: number) => void): Promise<Buffer> {
  let r: Response;
  try { r = await get(url, { signal }); } catch (e) {
    if (signal?.aborted) throw new CudaInstallError('cancelled; nothing was installed');
    throw new CudaInstallError(`cannot download ${url} (${why(e)}); check the network, then try again`);
  }
  if (!r.ok || !r.body) throw new CudaInstallError(`${url} answered HTTP ${r.status}; try again later`);
  const chunks: Uint8Array[] = [];
  let got = 0;
  let last = 0;
  const reader = r.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      got += value.length;
      if (got > size * 1.1 + 1024) throw new CudaInstallError(`${url} sends more than the ${size} bytes the feed announced; nothing was installed`);
      if (got - last > size / 50) { last = got; progress(Math.min(1, got / size)); }
    }
  } catch (e) {
    if (e instanceof CudaInstallError) throw e;
    if (signal?.aborted) throw new CudaInstallError('cancelled; nothing was installed');
    throw new CudaInstallError(`the download of ${url} broke off (${(e as Error).message}); try again`);
  }
  return Buffer.concat(chunks);
}

/** The cause of a failed fetch, short (ECONNREFUSED, ENOTFOUND, a TLS code, ...). */
function why(e: unknown): string {
  const c = (e as { cause?: { code?: string; message?: string } }).cause;
  return c?.code ?? c?.message ?? (e as Error).message;
}

/**
 * The system libraries the provider needs that this machine lacks, in SYSTEM_LIBRARIES order.
 * Looked up as the dynamic loader does: $LD_LIBRARY_PATH, the ldconfig cache, the usual CUDA
 * folders (or only `dirs` when given: tests).
 */
export function missingSystemLibraries(opts: { dirs?: string[] } = {}): { soname: string; install: string }[] {
  const dirs = opts.dirs ?? [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/local/cuda/lib64', '/usr/local/cuda/targets/x86_64-linux/lib', '/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu',
  ];
  let cached = '';
  if (!opts.dirs) {
    try { cached = execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }); } catch {
      try { cached = execFileSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }); } catch { /* no cache to read */ }
    }
  }
  return SYSTEM_LIBRARIES.filter((l) => !cached.includes(`${l.soname} `) && !dirs.some((d) => fs.existsSync(path.join(d, l.soname))));
}

/** One line for what is missing, or undefined when the machine has everything. */
export function missingLine(missing: { soname: string; install: string }[]): string | undefined {
  const first = missing[0];
  if (!first) return undefined;
  const more = missing.length > 1 ? ` (and ${missing.slice(1).map((m) => m.soname).join(', ')})` : '';
  return `${first.soname} is missing${more}: install ${first.install}; completions stay on the CPU until then`;
}
