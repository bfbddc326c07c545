// Small text checks (common/text.ts).
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inOrder, leadingMember } from '../../common/text';

describe('text', () => {
  it('inOrder: the characters of one string in another, in order', () => {
    assert.equal(inOrder(')"', 'x)"'), true);
    assert.equal(inOrder(')]', 'a]b)'), false);
    assert.equal(inOrder('', 'abc'), true);
  });

  it('leadingMember: the identifier a ghost text begins with, for the member after a dot', () => {
    assert.equal(leadingMember('log("  Output: " + r);'), 'log');
    assert.equal(leadingMember('$emit(x)'), '$emit');
    assert.equal(leadingMember('_private2.x'), '_private2');
    assert.equal(leadingMember('größe = 1'), 'größe');
    assert.equal(leadingMember('(x)'), undefined);
    assert.equal(leadingMember('2.5'), undefined);
    assert.equal(leadingMember(' log'), undefined);
    assert.equal(leadingMember(''), undefined);
  });
});
