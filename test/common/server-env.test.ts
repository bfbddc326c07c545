import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverEnv } from '../../common/server-env';

describe('serverEnv', () => {
  it('adds a fixed malloc mmap threshold and onnxruntime\'s telemetry off, and keeps everything else', () => {
    const e = serverEnv({ PATH: '/bin', PRISM_REMOTE_API_KEY: 'k' });
    assert.deepEqual(e, { MALLOC_MMAP_THRESHOLD_: '131072', PATH: '/bin', PRISM_REMOTE_API_KEY: 'k', ORT_DISABLE_TELEMETRY: '1' });
  });
  it('keeps onnxruntime\'s telemetry off whatever the environment says', () => {
    assert.equal(serverEnv({ ORT_DISABLE_TELEMETRY: '0' }).ORT_DISABLE_TELEMETRY, '1');
    assert.equal(serverEnv({ ORT_DISABLE_TELEMETRY: undefined }).ORT_DISABLE_TELEMETRY, '1');
  });
  it('keeps a threshold the user set', () => {
    assert.equal(serverEnv({ MALLOC_MMAP_THRESHOLD_: '65536' }).MALLOC_MMAP_THRESHOLD_, '65536');
  });
});
