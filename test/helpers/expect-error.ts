import { expect } from 'chai';

/** Asserts that `fn` throws an instance of `type` whose message is exactly `message`; returns it for more checks. */
export function expectThrown<T extends Error>(fn: () => unknown, type: abstract new (...args: never[]) => T, message: string): T {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${type.name} "${message}"`).to.be.instanceOf(type);
  const err = caught as T;
  expect(err.message).to.equal(message);
  expect(err.name).to.equal(type.name);
  return err;
}
