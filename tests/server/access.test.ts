import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/server/access.js';

describe('isLoopbackHost', () => {
  it('knows the loopback interface by every name and address, and nothing else by a look-alike', () => {
    for (const host of ['localhost', 'LocalHost', '127.0.0.1', '127.0.0.2', '127.255.255.254', '::1', '[::1]'])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of [
      '127.evil.example',
      '127.0.0.1.evil.example',
      'localhost.evil.example',
      '128.0.0.1',
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '',
    ])
      expect(isLoopbackHost(host), host).toBe(false);
  });
});
