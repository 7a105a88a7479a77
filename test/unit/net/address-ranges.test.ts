/**
 * The shared address ranges: IPv6 forms that lead into IPv4 or into the operator's own network
 * count as private or reserved, and public addresses stay public.
 */
import { describe, expect, it } from 'vitest';
import { isLinkLocalOrMetadata, isPrivateOrReserved } from '../../../functions/engine/net/address-ranges.js';

describe('isPrivateOrReserved', () => {
  it.each(['64:ff9b:1::a00:1', '64:ff9b:1::8.8.8.8', '64:ff9b:1:ffff::1', '::127.0.0.1', '::10.0.0.1', '::8.8.8.8', '::7f00:1', '::2'])('counts %s as reserved', (address) => {
    expect(isPrivateOrReserved(address)).toBe(true);
  });

  it.each(['::', '::1', '::ffff:10.0.0.1', '64:ff9b::10.0.0.1', '10.0.0.1'])('still counts %s as private or reserved', (address) => {
    expect(isPrivateOrReserved(address)).toBe(true);
  });

  it.each(['8.8.8.8', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8', '2606:4700::1111', '64:ff9b:2::1', '1::8.8.8.8'])('counts %s as public', (address) => {
    expect(isPrivateOrReserved(address)).toBe(false);
  });
});

describe('isLinkLocalOrMetadata', () => {
  it('leaves the reserved-whole ranges to the private tier', () => {
    for (const address of ['::a9fe:a9fe', '64:ff9b:1::a9fe:a9fe']) {
      expect(isPrivateOrReserved(address)).toBe(true);
      expect(isLinkLocalOrMetadata(address)).toBe(false);
    }
  });
});
