// A NuGet v3 feed on the loopback serving a CUDA provider package built here (the real package's
// layout, fake library bytes): the installer's tests and the end-to-end test use it.
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import AdmZip from 'adm-zip';
import { CUDA_PACKAGE, PROVIDER_FILES } from '../../server/cuda/install';

export const VERSION = '1.30.0';
const id = CUDA_PACKAGE.toLowerCase();

export function buildPackage(): { data: Buffer; files: Record<string, Buffer> } {
  const zip = new AdmZip();
  const files: Record<string, Buffer> = {};
  for (const f of PROVIDER_FILES) {
    const bytes = Buffer.from(`\x7fELF fake ${f.name} ${'x'.repeat(5000)}`);
    files[f.name] = bytes;
    zip.addFile(f.inPackage, bytes);
  }
  zip.addFile(`${id}.nuspec`, Buffer.from('<package/>'));
  return { data: zip.toBuffer(), files };
}

export interface Feed { url: string; requests: string[]; serve: { nupkg: Buffer; hash: string; size: number; status?: number } }

export async function startFeed(pkg: Buffer, version = VERSION): Promise<{ feed: Feed; close: () => Promise<void> }> {
  const feed: Feed = { url: '', requests: [], serve: { nupkg: pkg, hash: createHash('sha512').update(pkg).digest('base64'), size: pkg.length } };
  const server = http.createServer((req, res) => {
    const u = req.url ?? '';
    feed.requests.push(u);
    const json = (o: unknown): void => { res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(o)); };
    if (u === '/v3/index.json') {
      json({ version: '3.0.0', resources: [
        { '@id': `${feed.url}/flat/`, '@type': 'PackageBaseAddress/3.0.0' },
        { '@id': `${feed.url}/reg/`, '@type': 'RegistrationsBaseUrl/3.6.0' },
      ] });
    } else if (u === `/reg/${id}/${version}.json`) {
      json({ catalogEntry: `${feed.url}/catalog/${id}.${version}.json`, packageContent: `${feed.url}/flat/${id}/${version}/${id}.${version}.nupkg` });
    } else if (u === `/catalog/${id}.${version}.json`) {
      json({ id: CUDA_PACKAGE, version: VERSION, packageHash: feed.serve.hash, packageHashAlgorithm: 'SHA512', packageSize: feed.serve.size });
    } else if (u === `/flat/${id}/${version}/${id}.${version}.nupkg`) {
      res.writeHead(feed.serve.status ?? 200, { 'content-type': 'application/octet-stream' }).end(feed.serve.nupkg);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  feed.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { feed, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

